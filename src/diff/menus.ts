import type { BootMenu, MenuEntry } from '../inspect/menus.ts';
import { diffLists } from './lists.ts';

/** One menu entry whose kernel, initrd or command line differs (matched by title). */
export interface EntryChange {
  title: string;
  field: 'kernel' | 'initrd' | 'cmdline';
  a: string | null;
  b: string | null;
}

export interface MenuDiff {
  file: string;
  status: 'added' | 'removed' | 'changed';
  entriesAdded: string[];
  entriesRemoved: string[];
  entries: EntryChange[];
  /** Seconds, null meaning "waits for a key"; present only when it differs. */
  timeout?: { a: number | null; b: number | null };
}

/** Per menu file: entries added or removed, kernel command lines and timeouts changed. */
export function compareMenus(a: readonly BootMenu[], b: readonly BootMenu[]): MenuDiff[] {
  const diffs: MenuDiff[] = [];
  for (const menu of a) {
    const other = b.find((m) => m.file === menu.file);
    const diff = other ? compareMenu(menu, other) : onlyIn(menu, 'removed');
    if (diff) diffs.push(diff);
  }
  for (const menu of b) if (!a.some((m) => m.file === menu.file)) diffs.push(onlyIn(menu, 'added'));
  return diffs;
}

function onlyIn(menu: BootMenu, status: 'added' | 'removed'): MenuDiff {
  const titles = menu.entries.map((e) => e.title);
  return {
    file: menu.file,
    status,
    entriesAdded: status === 'added' ? titles : [],
    entriesRemoved: status === 'removed' ? titles : [],
    entries: [],
  };
}

function compareMenu(a: BootMenu, b: BootMenu): MenuDiff | null {
  const titles = diffLists(
    a.entries.map((e) => e.title),
    b.entries.map((e) => e.title),
  );
  const entries = pairByTitle(a.entries, b.entries).flatMap(([x, y]) => entryChanges(x, y));
  const timeout =
    a.timeoutSeconds === b.timeoutSeconds ? {} : { timeout: { a: a.timeoutSeconds, b: b.timeoutSeconds } };
  if (!titles.added.length && !titles.removed.length && !entries.length && !('timeout' in timeout))
    return null;
  return {
    file: a.file,
    status: 'changed',
    entriesAdded: titles.added,
    entriesRemoved: titles.removed,
    entries,
    ...timeout,
  };
}

/** Entries of both menus with the same title, the nth of a title with the nth. */
function pairByTitle(a: readonly MenuEntry[], b: readonly MenuEntry[]): [MenuEntry, MenuEntry][] {
  const pairs: [MenuEntry, MenuEntry][] = [];
  const used = new Set<MenuEntry>();
  for (const x of a) {
    const y = b.find((entry) => entry.title === x.title && !used.has(entry));
    if (!y) continue;
    used.add(y);
    pairs.push([x, y]);
  }
  return pairs;
}

function entryChanges(x: MenuEntry, y: MenuEntry): EntryChange[] {
  return (['kernel', 'initrd', 'cmdline'] as const)
    .filter((field) => x[field] !== y[field])
    .map((field) => ({ title: x.title, field, a: x[field], b: y[field] }));
}
