import { lstat, readdir, realpath, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetyError } from '../errors.ts';
import { recoverMounts } from '../rootfs/mounts.ts';
import { acquireWorkLock } from '../safety/lock.ts';
import { mountsAtOrBelow } from '../safety/mountinfo.ts';
import { removeTree } from '../safety/remove.ts';

/** The folder every isoforge work directory holds: journal, lock, logs. Its presence marks a work dir. */
export const STATE_DIR = '.isoforge';

export interface CleanResult {
  workDir: string;
  unmounted: string[];
  removed: boolean;
}

/**
 * What `isoforge clean` does: under the work lock, undo every mount a killed run left (innermost
 * first, reported one by one), then delete the work tree with removeTree. A folder without
 * .isoforge/ inside is refused: `clean --workdir ~` must never empty a home directory.
 */
export async function cleanWorkDir(workDir: string, report: (line: string) => void): Promise<CleanResult> {
  const root = await realpath(workDir).catch(() => undefined);
  if (!root) {
    report(`nothing to clean: ${workDir} does not exist`);
    return { workDir, unmounted: [], removed: false };
  }
  await checkIsWorkDir(root);
  const lock = await acquireWorkLock(root, { onMessage: report });
  let unmounted: string[] = [];
  try {
    unmounted = await recoverMounts(root);
    for (const point of unmounted) report(`unmounted ${point}`);
    for (const name of await readdir(root)) {
      if (name !== STATE_DIR) await removeTree(join(root, name), { within: root });
    }
  } finally {
    await lock[Symbol.asyncDispose]();
  }
  const removed = await removeWorkDirItself(root);
  report(removed ? `removed ${root}` : `emptied ${root} (it is a mount point, so it stays)`);
  return { workDir: root, unmounted, removed };
}

async function checkIsWorkDir(root: string): Promise<void> {
  const state = await lstat(join(root, STATE_DIR)).catch(() => undefined);
  const empty = (await readdir(root)).length === 0;
  if (!state?.isDirectory() && !empty) {
    throw new SafetyError(
      `refusing to clean ${root}: it is not an isoforge work directory (no ${STATE_DIR}/ inside)`,
      {
        hint: 'pass the --workdir a build used',
      },
    );
  }
}

// The state folder goes last (it held the lock); the work dir itself only if it is not a mount point.
async function removeWorkDirItself(root: string): Promise<boolean> {
  const state = join(root, STATE_DIR);
  if (!(await mountsAtOrBelow(state)).length) await rm(state, { recursive: true, force: true });
  if ((await mountsAtOrBelow(root)).length) return false;
  await rmdir(root);
  return true;
}
