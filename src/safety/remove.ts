import { lstat, realpath } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { SafetyError } from '../errors.ts';
import { runCommand } from '../tools/exec.ts';
import { isAtOrBelow, mountsAtOrBelow } from './mountinfo.ts';

/**
 * Deletes a work tree the safe way: never through a live mount (the `rm -rf squashfs-root`
 * accident that deletes the host's /dev), never outside WITHIN, never across file systems.
 */
export async function removeTree(path: string, options: { within: string }): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return;
  // Resolve the parent only: PATH itself may be a symlink, which is removed, not followed.
  const resolved = join(await realpath(dirname(path)), basename(path));
  const within = await realpath(options.within);
  if (!isAtOrBelow(resolved, within)) {
    throw new SafetyError(`refusing to delete ${resolved}: it is outside ${within}`);
  }
  const mounted = info.isSymbolicLink() ? [] : await mountsAtOrBelow(resolved);
  if (mounted.length) {
    throw new SafetyError(`refusing to delete ${resolved}: still mounted below it: ${mounted.join(', ')}`, {
      hint: 'run `isoforge clean` to undo leftover mounts first',
    });
  }
  await runCommand(['rm', '-rf', '--one-file-system', '--', resolved]);
}
