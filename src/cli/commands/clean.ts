import type { Command } from 'commander';
import { DEFAULT_WORK_DIR } from '../../pipeline/build.ts';
import { cleanWorkDir } from '../../pipeline/clean.ts';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('undo the mounts a killed run left (innermost first), then delete the work directory')
    .option(
      '--workdir <dir>',
      'the work directory to clean (the default of `isoforge build`)',
      DEFAULT_WORK_DIR,
    )
    .action(async (options: { workdir: string }) => {
      await cleanWorkDir(options.workdir, (line) => process.stdout.write(`${line}\n`));
    });
}
