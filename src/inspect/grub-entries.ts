import { type GrubWord, parseGrubWords } from './grub-words.ts';

/**
 * The one reader of GRUB menu entries, for `inspect` and for the menu editors of
 * src/medium/menus/: both see the same entries, titles and line positions.
 */
export interface GrubEntry {
  /** The title a user sees and types: the menuentry's first argument after quote removal. */
  title: string;
  /** The value `set default` takes: submenu titles and the title joined by `>` (grub.texi, "default"). */
  path: string;
  start: number;
  end: number;
  kernelLines: number[];
  /** The last kernel line's path, as GRUB reads it. */
  kernel: string | null;
  /** The last kernel line's arguments as written (quotes, escapes and $variables kept). */
  cmdline: string | null;
  /** The last initrd line's files as written. */
  initrd: string | null;
}

const KERNEL_COMMANDS = new Set(['linux', 'linuxefi', 'linux16']);
const INITRD_COMMANDS = new Set(['initrd', 'initrdefi', 'initrd16']);

interface OpenBlock extends Omit<GrubEntry, 'path' | 'end'> {
  kind: 'menuentry' | 'submenu' | 'other';
}

/** The menuentry blocks of LINES, in order; a block opens on a line ending in `{` and closes on `}`. */
export function parseGrubEntries(lines: readonly string[]): GrubEntry[] {
  const entries: GrubEntry[] = [];
  const open: OpenBlock[] = [];
  lines.forEach((line, index) => {
    const words = parseGrubWords(line);
    const first = words[0];
    if (!first) return;
    const last = words.at(-1);
    if (last && words.length > 1 && line.slice(last.start, last.end) === '{') {
      open.push(openBlock(words, index));
    } else if (line.slice(first.start, first.end) === '}') {
      const block = open.pop();
      if (block?.kind === 'menuentry') entries.push(closeEntry(block, open, index));
    } else if (open.at(-1)?.kind === 'menuentry') {
      noteEntryLine(open.at(-1) as OpenBlock, line, words, index);
    }
  });
  return entries.sort((a, b) => a.start - b.start);
}

function openBlock(words: readonly GrubWord[], index: number): OpenBlock {
  const command = words[0]?.value;
  return {
    kind: command === 'menuentry' || command === 'submenu' ? command : 'other',
    title: words[1]?.value ?? '',
    start: index,
    kernelLines: [],
    kernel: null,
    cmdline: null,
    initrd: null,
  };
}

function closeEntry(block: OpenBlock, open: readonly OpenBlock[], end: number): GrubEntry {
  const submenus = open.filter((b) => b.kind === 'submenu').map((b) => b.title);
  const { title, start, kernelLines, kernel, cmdline, initrd } = block;
  return { title, path: [...submenus, title].join('>'), start, end, kernelLines, kernel, cmdline, initrd };
}

function noteEntryLine(block: OpenBlock, line: string, words: readonly GrubWord[], index: number): void {
  const command = words[0]?.value ?? '';
  if (KERNEL_COMMANDS.has(command)) {
    block.kernelLines.push(index);
    block.kernel = words[1]?.value ?? null;
    block.cmdline = rawText(line, words.slice(2));
  } else if (INITRD_COMMANDS.has(command) && words.length > 1) {
    block.initrd = rawText(line, words.slice(1));
  }
}

/** The source text from the first of WORDS to the end of the last ('' for none). */
function rawText(line: string, words: readonly GrubWord[]): string {
  const first = words[0];
  const last = words.at(-1);
  return first && last ? line.slice(first.start, last.end) : '';
}

/** The kernel path of a `linux` line, as GRUB reads it. */
export function grubKernelPath(line: string): string {
  return parseGrubWords(line)[1]?.value ?? '';
}
