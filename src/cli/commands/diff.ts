import type { Command } from 'commander';
import { diffIsos } from '../../diff/diff.ts';
import { formatDiff } from '../../diff/format.ts';
import { ExitCode } from '../../errors.ts';
import { writeAtomically } from '../../report/files.ts';
import { renderDiffHtml } from '../../report/render-diff-page.ts';

/** Exit status as diff(1) has it: 0 equal, 1 different; bad input (2) is thrown and reported by main. */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('show what differs between two ISOs: volume, boot setup, files, boot menus, layer packages')
    .argument('<a>', 'the first ISO (read in place, never modified)')
    .argument('<b>', 'the second ISO')
    .option('--json', 'print one JSON document (schema in the README)')
    .option('--html <file>', 'also write the diff as one self-contained HTML page')
    .action(async (a: string, b: string, options: { json?: boolean; html?: string }) => {
      const diff = await diffIsos(a, b);
      if (options.html) await writeAtomically(options.html, renderDiffHtml(diff));
      process.stdout.write(options.json ? `${JSON.stringify(diff, null, 2)}\n` : `${formatDiff(diff)}\n`);
      process.exitCode = diff.equal ? ExitCode.ok : ExitCode.failure;
    });
}
