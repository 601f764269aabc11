/**
 * The one reader of isolinux/syslinux menu syntax (syslinux.txt, "LABEL"), for `inspect` and for
 * the menu editors of src/medium/menus/: both see the same entries, titles and line positions.
 */
export interface IsolinuxEntry {
  name: string;
  /** The title a user sees and types: MENU LABEL without the `^` hotkey marker, else the label name. */
  title: string;
  start: number;
  end: number;
  /** Nesting in MENU BEGIN ... MENU END submenus. */
  depth: number;
  /** The file KERNEL, LINUX or COM32 names. */
  kernel: string | null;
  /** INITRD's value, else APPEND's `initrd=` (the later one wins). */
  initrd: string | null;
  /** APPEND's arguments, one blank between each. */
  cmdline: string | null;
  kernelLine: number | null;
  appendLine: number | null;
  menuLabelLine: number | null;
  menuDefaultLines: number[];
}

/** Keywords that belong to the LABEL above them; any other keyword is global and ends the block. */
const LABEL_KEYWORDS = new Set([
  'kernel',
  'linux',
  'boot',
  'bss',
  'pxe',
  'fdimage',
  'comboot',
  'com32',
  'config',
  'append',
  'initrd',
  'ipappend',
  'sysappend',
  'localboot',
  'text',
]);
const LABEL_MENU_KEYWORDS = new Set(['label', 'default', 'hide', 'passwd', 'disable', 'indent', 'exit']);
const KERNEL_KEYWORDS = new Set(['kernel', 'linux', 'com32']);

/** A line's keyword and sub-keyword (lower case) and its words: syslinux keywords ignore case. */
export function keywordsOf(line: string): [string, string, string[]] {
  const words = line.trim().split(/\s+/).filter(Boolean);
  return [words[0]?.toLowerCase() ?? '', words[1]?.toLowerCase() ?? '', words];
}

/** The LABEL blocks of LINES, in order, with their line indexes; TEXT HELP ... ENDTEXT stays inside its label. */
export function parseIsolinuxEntries(lines: readonly string[]): IsolinuxEntry[] {
  const entries: IsolinuxEntry[] = [];
  let depth = 0;
  let current: IsolinuxEntry | null = null;
  let inHelpText = false;
  const close = () => {
    if (current) entries.push(current);
    current = null;
  };
  lines.forEach((line, i) => {
    const [keyword, sub, words] = keywordsOf(line);
    if (inHelpText) {
      if (keyword === 'endtext') inHelpText = false;
      if (current) current.end = i;
      return;
    }
    if (!keyword || keyword.startsWith('#')) return;
    if (keyword === 'label') {
      close();
      current = makeEntry(words.slice(1).join(' '), i, depth);
    } else if (keyword === 'menu' && (sub === 'begin' || sub === 'end')) {
      close();
      depth = Math.max(0, depth + (sub === 'begin' ? 1 : -1));
    } else if (current && belongsToLabel(keyword, sub)) {
      noteLabelLine(current, line, i, words);
      inHelpText = keyword === 'text' && sub === 'help';
    } else {
      close();
    }
  });
  close();
  return entries;
}

function belongsToLabel(keyword: string, sub: string): boolean {
  return LABEL_KEYWORDS.has(keyword) || (keyword === 'menu' && LABEL_MENU_KEYWORDS.has(sub));
}

function makeEntry(name: string, start: number, depth: number): IsolinuxEntry {
  return {
    name,
    title: name,
    start,
    end: start,
    depth,
    kernel: null,
    initrd: null,
    cmdline: null,
    kernelLine: null,
    appendLine: null,
    menuLabelLine: null,
    menuDefaultLines: [],
  };
}

function noteLabelLine(entry: IsolinuxEntry, line: string, i: number, words: string[]): void {
  const [keyword, sub] = keywordsOf(line);
  const value = words.slice(1).join(' ');
  entry.end = i;
  if (KERNEL_KEYWORDS.has(keyword)) {
    entry.kernel = words[1] ?? null;
    entry.kernelLine = i;
  } else if (keyword === 'append') {
    entry.appendLine = i;
    entry.cmdline = value;
    entry.initrd = /(?:^|\s)initrd=(\S+)/.exec(value)?.[1] ?? entry.initrd;
  } else if (keyword === 'initrd') {
    entry.initrd = value;
  } else if (keyword === 'menu' && sub === 'label') {
    entry.title = titleOfMenuLabel(line);
    entry.menuLabelLine = i;
  } else if (keyword === 'menu' && sub === 'default') {
    entry.menuDefaultLines.push(i);
  }
}

/** `menu label ^Live system` -> `Live system`: the `^` only marks the hotkey, menu.c32 does not show it. */
function titleOfMenuLabel(line: string): string {
  return line
    .replace(/^\s*menu\s+label\s*/i, '')
    .trim()
    .replace(/\^/g, '');
}
