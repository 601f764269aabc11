import { type FoundEntry, runFindEntries } from '../tools/coreutils.ts';

/** Path -> "type:size:mtime" for every entry under a tree (not following symlinks or mounts). */
export type TreeSnapshot = Map<string, string>;

function stateOf(entry: FoundEntry): string {
  const kind = ['d', 'l', 'c'].includes(entry.type) ? entry.type : 'f';
  return `${kind}:${entry.size}:${entry.mtimeMs}:${entry.mode}`;
}

/**
 * Records a tree's state (not following symlinks, not entering other file systems, without the
 * SKIPped paths), so the changes a recipe made to a layer can be named afterwards.
 */
export async function readTreeSnapshot(root: string, skip: readonly string[] = []): Promise<TreeSnapshot> {
  const entries = await runFindEntries(root, skip);
  return new Map(entries.map((entry) => [entry.path, stateOf(entry)]));
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
