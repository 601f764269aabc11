/** A LABEL block of a syslinux config (syslinux.txt, "LABEL"): its lines and the ones that matter. */
export interface IsolinuxEntry {
  name: string;
  /** MENU LABEL without the `^` hotkey marker, else the label name. */
  title: string;
  start: number;
  end: number;
  /** Nesting in MENU BEGIN ... MENU END submenus. */
  depth: number;
  kernel: string | null;
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

export function keywordsOf(line: string): [string, string, string[]] {
  const words = line.trim().split(/\s+/).filter(Boolean);
  return [words[0]?.toLowerCase() ?? '', words[1]?.toLowerCase() ?? '', words];
}

/** The LABEL blocks of LINES, in order; TEXT HELP ... ENDTEXT stays inside its label. */
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
    } else if (
      current &&
      (LABEL_KEYWORDS.has(keyword) || (keyword === 'menu' && LABEL_MENU_KEYWORDS.has(sub)))
    ) {
      noteLabelLine(current, line, i, keyword, sub, words);
      inHelpText = keyword === 'text' && sub === 'help';
    } else {
      close();
    }
  });
  close();
  return entries;
}

function makeEntry(name: string, start: number, depth: number): IsolinuxEntry {
  return {
    name,
    title: name,
    start,
    end: start,
    depth,
    kernel: null,
    kernelLine: null,
    appendLine: null,
    menuLabelLine: null,
    menuDefaultLines: [],
  };
}

function noteLabelLine(
  entry: IsolinuxEntry,
  line: string,
  i: number,
  keyword: string,
  sub: string,
  words: string[],
): void {
  entry.end = i;
  if (keyword === 'kernel' || keyword === 'linux') {
    entry.kernel = words[1] ?? null;
    entry.kernelLine = i;
  } else if (keyword === 'append') {
    entry.appendLine = i;
  } else if (keyword === 'menu' && sub === 'label') {
    entry.title = titleOfMenuLabel(line);
    entry.menuLabelLine = i;
  } else if (keyword === 'menu' && sub === 'default') {
    entry.menuDefaultLines.push(i);
  }
}

/** `menu label ^Live system` -> `Live system`: the `^` only marks the hotkey. */
function titleOfMenuLabel(line: string): string {
  return line
    .replace(/^\s*menu\s+label\s*/i, '')
    .trim()
    .replace(/\^/g, '');
}
