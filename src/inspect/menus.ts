import { parseGrubEntries } from './grub-entries.ts';
import { parseIsolinuxEntries } from './isolinux-entries.ts';

/** A boot menu entry as its config file describes it; the title is the one recipes name. */
export interface MenuEntry {
  title: string;
  kernel: string | null;
  initrd: string | null;
  /** The kernel command line: everything after the kernel path. */
  cmdline: string | null;
}

export interface BootMenu {
  file: string;
  loader: 'grub' | 'isolinux';
  entries: MenuEntry[];
  /** Seconds before the default entry boots; null when the menu waits for a key forever. */
  timeoutSeconds: number | null;
}

/** The entries `inspect` reports of a GRUB menu, as the editors see them (one parser, one title rule). */
export function parseGrubMenu(text: string): MenuEntry[] {
  return parseGrubEntries(text.split('\n')).map(toMenuEntry);
}

/** The entries `inspect` reports of an isolinux/syslinux menu, as the editors see them. */
export function parseIsolinuxMenu(text: string): MenuEntry[] {
  return parseIsolinuxEntries(text.split('\n')).map(toMenuEntry);
}

function toMenuEntry(entry: MenuEntry): MenuEntry {
  return { title: entry.title, kernel: entry.kernel, initrd: entry.initrd, cmdline: entry.cmdline };
}

/** A menu file as `inspect` reports it: its entries and timeout. */
export function parseMenu(file: string, loader: BootMenu['loader'], text: string): BootMenu {
  return loader === 'grub'
    ? { file, loader, entries: parseGrubMenu(text), timeoutSeconds: parseGrubTimeout(text) }
    : { file, loader, entries: parseIsolinuxMenu(text), timeoutSeconds: parseIsolinuxTimeout(text) };
}

/** GRUB waits forever when `timeout` is unset or negative (grub.texi, "timeout"); the last assignment wins. */
export function parseGrubTimeout(text: string): number | null {
  const values = [...text.matchAll(/^\s*set\s+timeout=["']?(-?\d+)/gm)].map((m) => Number(m[1]));
  const last = values.at(-1);
  return last === undefined || last < 0 ? null : last;
}

/** isolinux counts TIMEOUT in tenths of a second; 0 or no TIMEOUT line means no timeout (syslinux wiki). */
export function parseIsolinuxTimeout(text: string): number | null {
  const values = [...text.matchAll(/^\s*timeout\s+(\d+)/gim)].map((m) => Number(m[1]));
  const last = values.at(-1);
  return last === undefined || last === 0 ? null : last / 10;
}
