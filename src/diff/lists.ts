/** What one list has that the other has not, order ignored; a repeated item counts as often as it appears. */
export interface ListChange {
  removed: string[];
  added: string[];
}

/** The items only A has (removed) and only B has (added), as multisets. */
export function diffLists(a: readonly string[], b: readonly string[]): ListChange {
  const left = new Map<string, number>();
  for (const item of a) left.set(item, (left.get(item) ?? 0) + 1);
  const added: string[] = [];
  for (const item of b) {
    const count = left.get(item) ?? 0;
    if (count > 0) left.set(item, count - 1);
    else added.push(item);
  }
  const removed = a.filter((item) => {
    const count = left.get(item) ?? 0;
    if (count === 0) return false;
    left.set(item, count - 1);
    return true;
  });
  return { removed, added };
}

export function isListChange(change: ListChange): boolean {
  return change.removed.length > 0 || change.added.length > 0;
}

/** One row of a side-by-side view: a line only A has, only B has, or both in place of each other. */
export interface SideBySide {
  a: string | null;
  b: string | null;
}

/**
 * The rows where A and B differ, aligned by their longest common subsequence (compared through KEY,
 * shown as written): a replaced line sits beside its replacement. Meant for short lists.
 */
export function alignDifferences(
  a: readonly string[],
  b: readonly string[],
  key: (line: string) => string = (line) => line,
): SideBySide[] {
  const ka = a.map(key);
  const kb = b.map(key);
  const lcs = commonLengths(ka, kb);
  const rows: SideBySide[] = [];
  let i = 0;
  let j = 0;
  const removed: string[] = [];
  const added: string[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++)
      rows.push({ a: removed[k] ?? null, b: added[k] ?? null });
    removed.length = 0;
    added.length = 0;
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && ka[i] === kb[j]) {
      flush();
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      removed.push(a[i++] as string);
    } else {
      added.push(b[j++] as string);
    }
  }
  flush();
  return rows;
}

/** lengths[i][j]: the longest common subsequence of A from i and B from j. */
function commonLengths(a: readonly string[], b: readonly string[]): number[][] {
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lengths[i] as number[];
      const next = lengths[i + 1] as number[];
      row[j] = a[i] === b[j] ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  return lengths;
}
