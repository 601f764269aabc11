import { parseGrubWords } from './grub-words.ts';

/** A boot menu entry as the boot loader's config file describes it. */
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

/** Parses GRUB menuentry blocks: title, linux/linuxefi line (kernel + args), initrd line. */
export function parseGrubMenu(text: string): MenuEntry[] {
  const entries: MenuEntry[] = [];
  let current: MenuEntry | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const [command, title] = parseGrubWords(line);
    if (command?.value === 'menuentry' && title) {
      current = { title: title.value, kernel: null, initrd: null, cmdline: null };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    const linux = /^(?:linux|linuxefi|linux16)\s+(\S+)\s*(.*)$/.exec(line);
    if (linux) {
      current.kernel = linux[1] ?? null;
      current.cmdline = (linux[2] ?? '').trim();
    }
    const initrd = /^(?:initrd|initrdefi|initrd16)\s+(.+)$/.exec(line);
    if (initrd) current.initrd = (initrd[1] ?? '').trim();
    if (line === '}') current = null;
  }
  return entries;
}

/** Parses isolinux/syslinux LABEL blocks: MENU LABEL, KERNEL/LINUX, APPEND (initrd= pulled out). */
export function parseIsolinuxMenu(text: string): MenuEntry[] {
  const entries: MenuEntry[] = [];
  let current: MenuEntry | null = null;
  for (const raw of text.split('\n')) {
    const [keyword = '', ...rest] = raw.trim().split(/\s+/);
    const value = rest.join(' ');
    switch (keyword.toLowerCase()) {
      case 'label':
        current = { title: value, kernel: null, initrd: null, cmdline: null };
        entries.push(current);
        break;
      case 'menu':
        if (current && rest[0]?.toLowerCase() === 'label') current.title = rest.slice(1).join(' ');
        break;
      case 'kernel':
      case 'linux':
      case 'com32':
        if (current) current.kernel = value;
        break;
      case 'append':
        if (current) {
          current.cmdline = value;
          current.initrd = /(?:^|\s)initrd=(\S+)/.exec(value)?.[1] ?? current.initrd;
        }
        break;
      case 'initrd':
        if (current) current.initrd = value;
        break;
    }
  }
  return entries;
}

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
