import { lstat, readdir, rmdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerExtent } from '../rootfs/overlay.ts';
import type { TreeSnapshot } from '../rootfs/snapshot.ts';
import type { SquashfsNode } from '../squashfs/model.ts';
import { openSquashfs, type SquashfsImage } from '../squashfs/read.ts';
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
  const lowers = await openLowers(ancestors);
  try {
    const removed: string[] = [];
    for (const path of candidates) {
      if (await isCopiedUpOnly(upper, path, findInLowers(lowers, path))) {
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
async function isCopiedUpOnly(upper: string, path: string, lower: SquashfsNode | null): Promise<boolean> {
  const transient = TRANSIENT.some((pattern) => pattern.test(path));
  if (lower ? lower.type !== 'dir' : !transient) return false;
  const dir = join(upper, path);
  const info = await lstat(dir);
  if (!info.isDirectory() || (await readdir(dir)).length > 0) return false;
  const sameAttributes =
    lower !== null && (info.mode & 0o7777) === lower.mode && info.uid === lower.uid && info.gid === lower.gid;
  if (!sameAttributes && !transient) return false;
  // Copy-up marks directories with trusted.overlay.origin or .impure; only .opaque hides the lower ones.
  return !(await runGetfattrNames(dir)).includes('trusted.overlay.opaque');
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

/** The ancestors' squashfs images, top first (the order overlayfs looks through them). */
async function openLowers(ancestors: readonly LayerExtent[]): Promise<SquashfsImage[]> {
  const lowers: SquashfsImage[] = [];
  try {
    for (const layer of [...ancestors].reverse()) lowers.push(await openSquashfs(layer.file, layer.offset));
    return lowers;
  } catch (error) {
    for (const lower of lowers) await lower.close();
    throw error;
  }
}

/**
 * What the merged lower layers show at PATH: the topmost entry; a whiteout, a non-directory on the
 * way or an opaque directory without the entry hides the layers below.
 */
function findInLowers(lowers: readonly SquashfsImage[], path: string): SquashfsNode | null {
  const names = path.split('/').filter(Boolean);
  for (const lower of lowers) {
    let node: SquashfsNode | undefined = lower.root;
    let hidden = false;
    for (const name of names) {
      if (node.type !== 'dir') {
        hidden = true;
        node = undefined;
        break;
      }
      const next: SquashfsNode | undefined = node.entries.get(name);
      if (!next) {
        hidden = isOpaque(node);
        node = undefined;
        break;
      }
      node = next;
    }
    if (node) return node.type === 'char' && node.rdev === 0 ? null : node;
    if (hidden) return null;
  }
  return null;
}

function isOpaque(dir: SquashfsNode): boolean {
  return dir.xattrs.some(
    (x) => x.name === 'trusted.overlay.opaque' && Buffer.from(x.value).toString() === 'y',
  );
}
