import type { Command } from 'commander';
import { makeSampleIso } from '../../sample/index.ts';
import type { CliContext } from '../context.ts';

export function registerSample(program: Command, context: CliContext): void {
  program
    .command('sample')
    .description('build a small ISO with the exact layout of ubuntu-22.04.5-live-server-amd64.iso')
    .option('-o, --out <file>', 'where to write the ISO', 'out/sample.iso')
    .option('--secure-boot', 'put Microsoft-signed shim and Debian-signed GRUB on the EFI partition')
    .option('--sign-layers', 'add casper/LAYER.squashfs.gpg signed by a throw-away key (not kept)')
    .option('-f, --force', 'replace the output if it exists')
    .action(async (options: { out: string; secureBoot?: boolean; signLayers?: boolean; force?: boolean }) => {
      const started = Date.now();
      const { cached, signedBy } = await makeSampleIso({
        ...options,
        signal: context.signal,
        onStage: (line) => process.stderr.write(`sample: [${elapsed(started)}s] ${line}\n`),
      });
      const seconds = elapsed(started);
      if (signedBy) process.stdout.write(`layers signed by throw-away key ${signedBy} (not kept)\n`);
      process.stdout.write(`${options.out} ready in ${seconds}s${cached ? ' (from cache)' : ''}\n`);
    });
}

function elapsed(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}
