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

/** Records a tree's state, so the changes a recipe made to a layer can be named afterwards. */
export async function readTreeSnapshot(root: string, skip: readonly string[] = []): Promise<TreeSnapshot> {
  const snapshot: TreeSnapshot = new Map();
  await walkTree(root, skip, (path, info) => snapshot.set(path, stateOf(info)));
  return snapshot;
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
