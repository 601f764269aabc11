import { type Command, Option } from 'commander';
import { makeSampleIso } from '../../sample/index.ts';
import { SAMPLE_RELEASE_IDS, type SampleReleaseId } from '../../sample/releases.ts';
import type { CliContext } from '../context.ts';

interface SampleCliOptions {
  out: string;
  release: SampleReleaseId;
  secureBoot?: boolean;
  signLayers?: boolean;
  force?: boolean;
}

export function registerSample(program: Command, context: CliContext): void {
  program
    .command('sample')
    .description(
      'build a small ISO with the exact layout of ubuntu-22.04.5-live-server-amd64.iso (or of 24.04, 26.04)',
    )
    .option('-o, --out <file>', 'where to write the ISO', 'out/sample.iso')
    .addOption(
      new Option('--release <version>', "the Ubuntu Server release whose medium's shape to take")
        .choices(SAMPLE_RELEASE_IDS)
        .default('22.04'),
    )
    .option('--secure-boot', 'put Microsoft-signed shim and Debian-signed GRUB on the EFI partition')
    .option('--sign-layers', 'add casper/LAYER.squashfs.gpg signed by a throw-away key (not kept)')
    .option('-f, --force', 'replace the output if it exists')
    .action(async (options: SampleCliOptions) => {
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
