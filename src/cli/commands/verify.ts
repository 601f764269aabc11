import type { Command } from 'commander';
import { VerifyError } from '../../errors.ts';
import { checkReadableFile } from '../../safety/input.ts';
import { formatTable } from '../../ui/table.ts';
import { STANDARD_SETUP } from '../../output/write-setup.ts';
import { verifyIso } from '../../verify/verify.ts';
import type { CliContext } from '../context.ts';

interface VerifyFlags {
  original?: string;
  gnupgHome?: string;
  standardBootSetup?: boolean;
  json?: boolean;
}

export function registerVerify(program: Command, context: CliContext): void {
  program
    .command('verify')
    .description(
      "check an ISO: md5sum.txt, layers, and (with --original) that its boot setup matches the original's",
    )
    .argument('<iso>', 'the ISO to check')
    .option('--original <iso>', 'the ISO it was made from')
    .option('--gnupg-home <dir>', "keyring to check LAYER.squashfs.gpg signatures with (default: gpg's own)")
    .option(
      '--standard-boot-setup',
      "expect Ubuntu's standard setup (Joliet, gap partition, no emulated TOC), as a recipe's standardBootSetup writes it",
    )
    .option('--json', 'print the verification report as JSON')
    .action(async (iso: string, options: VerifyFlags) => {
      await checkReadableFile(iso, 'ISO');
      if (options.original) await checkReadableFile(options.original, 'original ISO');
      const report = await verifyIso({
        output: iso,
        original: options.original,
        gnupgHome: options.gnupgHome,
        setup: options.standardBootSetup ? STANDARD_SETUP : undefined,
        signal: context.signal,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const rows = report.checks.map((c) => [
          c.outcome === 'failed' ? 'FAIL' : c.outcome,
          c.name,
          c.detail,
        ]);
        process.stdout.write(`${formatTable([['result', 'check', 'detail'], ...rows])}\n`);
      }
      const failed = report.checks.filter((c) => c.outcome === 'failed');
      if (failed.length)
        throw new VerifyError(`verification failed: ${failed.map((c) => c.name).join(', ')}`);
    });
}
