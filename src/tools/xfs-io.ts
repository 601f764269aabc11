import type { RangeCopy } from '../squashfs/data-layout.ts';
import { runCommand } from './exec.ts';

// Commands per xfs_io run: far below the argument list limit, few runs for a layer.
const COMMANDS_PER_RUN = 512;

/**
 * Copies byte ranges from open files (SOURCEFDS, file descriptors of this process) into the file
 * TARGET with xfs_io's copy_range: copy_file_range(2), so the kernel moves the bytes (page cache
 * to page cache, or shares blocks where the file system can) and none pass through this process.
 * The sources reach xfs_io as its fds 3, 4...: no path is parsed by its command line. xfs_io
 * exits 0 when a command fails (EXDEV between file systems); anything it says is an error here.
 * The caller checks that every range lies within its source: past the end, a copy is short and
 * silent.
 */
export async function copyFileRanges(
  target: string,
  sourceFds: readonly number[],
  copies: readonly RangeCopy[],
  signal?: AbortSignal,
): Promise<void> {
  for (let first = 0; first < copies.length; first += COMMANDS_PER_RUN) {
    const commands = copies
      .slice(first, first + COMMANDS_PER_RUN)
      .flatMap((copy) => [
        '-c',
        `copy_range -s ${copy.from} -d ${copy.to} -l ${copy.length} /proc/self/fd/${3 + copy.source}`,
      ]);
    const { stderr } = await runCommand(['xfs_io', ...commands, target], { signal, shareFds: sourceFds });
    if (stderr.trim()) throw new Error(`xfs_io copy_range into ${target}: ${stderr.trim().split('\n')[0]}`);
  }
}
