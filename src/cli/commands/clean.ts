import type { Command } from 'commander';
import { cleanWorkDir } from '../../safety/clean.ts';

/** The work directory when --workdir is not given; the same default `isoforge build` uses. */
export const DEFAULT_WORK_DIR = './.isoforge-work';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('undo the mounts a killed run left (innermost first), then delete the work directory')
    .option('--workdir <dir>', 'the work directory to clean', DEFAULT_WORK_DIR)
    .action(async (options: { workdir: string }) => {
      await cleanWorkDir(options.workdir, (line) => process.stdout.write(`${line}\n`));
    });
}
