import { lstat, readdir, rmdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerExtent } from '../rootfs/overlay.ts';
import type { TreeSnapshot } from '../rootfs/snapshot.ts';
import type { SquashfsNode } from '../squashfs/model.ts';
import { overlayXattrPrefix } from '../rootless/mode.ts';
import { lookupInStack } from '../squashfs/overlay.ts';
import { openStack } from '../squashfs/stack.ts';
import { runGetfattrNames } from '../tools/attr.ts';
import { TRANSIENT } from './cleanup.ts';

/** dpkg's and apt's lock files: locked (mtime touched) by every apt or dpkg run, never written. */
export const LOCK_FILES = [
  '/var/lib/dpkg/lock',
  '/var/lib/dpkg/lock-frontend',
  '/var/lib/dpkg/triggers/Lock',
];

/**
 * After the overlay is unmounted, in an upper layer (one with ANCESTORS): removes the directories
 * the chroot session only copied up (overlayfs copies a file's parent directories into the upper
 * dir when the file is written, e.g. policy-rc.d into /usr/sbin; apt makes its `partial` folders),
 * and puts back the mtimes of LOCK_FILES. A directory goes when it is new in the upper dir (not in
 * BEFORE), empty now (the recipe left nothing in it), not overlay-opaque (an opaque one hides the
 * lower contents), and the layers below have a directory there with the same mode and owner: the
 * merged tree is the same without it (see isCopiedUpOnly for apt's folders). Returns the directories
 * removed and the lock files whose mtime was put back.
 */
export async function removeCopiedUpLeftovers(
  upper: string,
  before: TreeSnapshot,
  after: TreeSnapshot,
  ancestors: readonly LayerExtent[],
): Promise<{ removed: string[]; restored: string[] }> {
  const restored = await restoreLockTimes(upper, before, after);
  const candidates = [...after]
    .filter(([path, state]) => state.startsWith('d:') && !before.has(path))
    .map(([path]) => path)
    .sort()
    .reverse(); // children before their parent, which may be empty once they are gone
  if (!candidates.length || !ancestors.length) return { removed: [], restored };
  const lowers = await openStack(ancestors);
  try {
    const removed: string[] = [];
    for (const path of candidates) {
      if (
        await isCopiedUpOnly(
          upper,
          path,
          lookupInStack(
            lowers.map((lower) => lower.root),
            path,
          ),
        )
      ) {
        await rmdir(join(upper, path));
        removed.push(path);
      }
    }
    return { removed: removed.reverse(), restored };
  } finally {
    for (const lower of lowers) await lower.close();
  }
}

/**
 * PATH (in UPPER) is empty, not opaque, and the lower layers have a directory there with the same
 * mode and owner. Where a build leaves traces (TRANSIENT: apt's caches and lists, /tmp) any lower
 * directory will do, or none: apt makes its folders there (`lists/auxfiles`) and gives its
 * `partial` ones to _apt, mode 0700, on every run.
 */
export async function isCopiedUpOnly(
  upper: string,
  path: string,
  lower: SquashfsNode | null,
): Promise<boolean> {
  const transient = TRANSIENT.some((pattern) => pattern.test(path));
  if (lower ? lower.type !== 'dir' : !transient) return false;
  const dir = join(upper, path);
  const info = await lstat(dir);
  if (!info.isDirectory() || (await readdir(dir)).length > 0) return false;
  const sameAttributes =
    lower !== null && (info.mode & 0o7777) === lower.mode && info.uid === lower.uid && info.gid === lower.gid;
  if (!sameAttributes && !transient) return false;
  return !(await hasOpaqueMark(dir));
}

/**
 * Whether DIR, a folder of an overlay's upper dir, hides the layers below it. Copy-up marks
 * folders with trusted.overlay.origin or .impure too; only .opaque hides.
 */
export async function hasOpaqueMark(dir: string): Promise<boolean> {
  return (await runGetfattrNames(dir)).includes(`${overlayXattrPrefix()}opaque`);
}

/** A lock file the layer already had and the session only touched gets its mtime back. */
async function restoreLockTimes(upper: string, before: TreeSnapshot, after: TreeSnapshot): Promise<string[]> {
  const restored: string[] = [];
  for (const path of LOCK_FILES) {
    const [was, is] = [before.get(path), after.get(path)];
    if (!was || !is || was === is) continue;
    const [kind, size, mtimeMs, mode] = was.split(':');
    const [kindNow, sizeNow, , modeNow] = is.split(':');
    if (kind !== 'f' || kind !== kindNow || size !== sizeNow || mode !== modeNow) continue;
    const seconds = Number(mtimeMs) / 1000;
    await utimes(join(upper, path), seconds, seconds);
    restored.push(path);
  }
  return restored;
}
