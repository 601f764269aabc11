import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Path -> "type:size:mtime" for every entry under a tree (not following symlinks or mounts). */
export type TreeSnapshot = Map<string, string>;

/** Calls VISIT for every entry under ROOT but SKIP, not following symlinks or other file systems. */
async function walkTree(
  root: string,
  skip: readonly string[],
  visit: (path: string, info: BigIntStats) => void,
): Promise<void> {
  const rootDev = (await lstat(root, { bigint: true })).dev;
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = `${rel}/${name}`;
      if (skip.includes(path)) continue;
      const info = await lstat(join(dir, name), { bigint: true }).catch(() => undefined);
      if (!info) continue;
      visit(path, info);
      if (info.isDirectory() && info.dev === rootDev) await walk(join(dir, name), path);
    }
  };
  await walk(root, '');
}

function stateOf(info: BigIntStats): string {
  const kind = info.isDirectory() ? 'd' : info.isSymbolicLink() ? 'l' : info.isCharacterDevice() ? 'c' : 'f';
  return `${kind}:${info.size}:${Number(info.mtimeNs) / 1e6}:${info.mode}`;
}

/**
 * A regular file's identity since unpacking: inode number, ctime, mtime, size and mode. A file with
 * the same identity before and after the steps was neither rewritten, replaced, chmod-ed, chown-ed,
 * relinked nor given xattrs (each changes the ctime or the inode): a block-reuse repack may copy its
 * blocks from the original layer.
 */
function identityOf(info: BigIntStats): string {
  return `${info.ino}:${info.ctimeNs}:${info.mtimeNs}:${info.size}:${info.mode}`;
}

/** Records a tree's state, so the changes a recipe made to a layer can be named afterwards. */
export async function readTreeSnapshot(root: string, skip: readonly string[] = []): Promise<TreeSnapshot> {
  return (await readTreeStates(root, false, skip)).snapshot;
}

/** The tree's snapshot and, with IDENTITIES, its regular files' identities, in one walk. */
export async function readTreeStates(
  root: string,
  identities: boolean,
  skip: readonly string[] = [],
): Promise<{ snapshot: TreeSnapshot; identities: TreeSnapshot | null }> {
  const snapshot: TreeSnapshot = new Map();
  const files: TreeSnapshot | null = identities ? new Map() : null;
  await walkTree(root, skip, (path, info) => {
    snapshot.set(path, stateOf(info));
    if (files && info.isFile()) files.set(path, identityOf(info));
  });
  return { snapshot, identities: files };
}

/** Paths added, changed or removed between two snapshots (directories only when added or removed). */
export function diffSnapshots(
  before: TreeSnapshot,
  after: TreeSnapshot,
): { changed: string[]; removed: string[] } {
  const changed: string[] = [];
  for (const [path, state] of after) {
    const old = before.get(path);
    if (old === state) continue;
    if (old && state.startsWith('d:')) continue;
    changed.push(path);
  }
  const removed = [...before.keys()].filter((path) => !after.has(path));
  return { changed: changed.sort(), removed: removed.sort() };
}

/** Regular files by path with their identity (see identityOf). */
export async function readFileIdentities(root: string, skip: readonly string[] = []): Promise<TreeSnapshot> {
  const identities: TreeSnapshot = new Map();
  await walkTree(root, skip, (path, info) => {
    if (info.isFile()) identities.set(path, identityOf(info));
  });
  return identities;
}

/** Paths whose identity (readFileIdentities) is the same in BEFORE and AFTER, without the leading slash. */
export function unchangedFiles(before: TreeSnapshot, after: TreeSnapshot): string[] {
  return [...after]
    .filter(([path, identity]) => before.get(path) === identity)
    .map(([path]) => path.slice(1));
}
