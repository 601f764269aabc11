import { editArguments } from './arguments.ts';
import { type GrubEntry, grubKernelPath, parseGrubEntries } from '../../inspect/grub-entries.ts';
import { type GrubWord, parseGrubWords, quoteGrubString, quoteGrubWord } from '../../inspect/grub-words.ts';
import { applyEntryEdits, type MenuSyntax } from './menu-edit.ts';
import type { CmdlineEdit, MenuEdit, MenuEditResult } from './types.ts';

/** Options of a menuentry line that must stay unique, so a copy drops them. */
const UNIQUE_OPTIONS = new Set(['--id', '--hotkey']);

/** EDIT applied to one `linux` line; variables, quoting and the rest of the line stay as they are. */
export function editGrubKernelLine(line: string, edit: CmdlineEdit): string {
  const words = parseGrubWords(line);
  const args = words.slice(2);
  const end = (words.at(-1) as GrubWord | undefined)?.end ?? line.length;
  return editArguments(line, args, end, edit, quoteGrubWord);
}

/** The menuentry line of a copy: the new title, without the options that must stay unique. */
function retitleGrubEntry(line: string, title: string): string {
  const words = parseGrubWords(line);
  const drop = new Set<GrubWord>();
  words.forEach((word, i) => {
    const name = word.value.split('=')[0] ?? '';
    if (i < 2 || !UNIQUE_OPTIONS.has(name)) return;
    drop.add(word);
    const next = words[i + 1];
    if (!word.value.includes('=') && next) drop.add(next);
  });
  let result = line;
  for (const word of [...words].reverse()) {
    if (drop.has(word)) result = result.slice(0, word.start).trimEnd() + result.slice(word.end);
    else if (word === words[1])
      result = result.slice(0, word.start) + quoteGrubString(title) + result.slice(word.end);
  }
  return result;
}

const GRUB_SYNTAX: MenuSyntax<GrubEntry> = {
  parseEntries: parseGrubEntries,
  titleOf: (entry) => entry.title,
  bootsLiveKernel: (entry, lines, isLive) =>
    entry.kernelLines.some((i) => isLive(grubKernelPath(lines[i] ?? ''))),
  editCmdline(entry, lines, edit, isLive) {
    for (const i of entry.kernelLines) {
      const line = lines[i] ?? '';
      if (isLive(grubKernelPath(line))) lines[i] = editGrubKernelLine(line, edit);
    }
  },
  copyEntry(entry, lines, title) {
    const copy = lines.slice(entry.start, entry.end + 1);
    copy[0] = retitleGrubEntry(copy[0] ?? '', title);
    return copy;
  },
  endOf: (entry) => entry.end,
  setDefault: setGrubDefault,
  setTimeout: (lines, seconds, add) => setGrubVariable(lines, 'timeout', String(seconds), add),
};

function setGrubDefault(lines: string[], title: string, add: boolean): boolean {
  const entry = parseGrubEntries(lines).find((e) => e.title === title || e.path === title);
  setGrubVariable(lines, 'default', quoteGrubString(entry?.path ?? title), add);
  return entry !== undefined;
}

/** Replaces every `set NAME=...` line's value, or adds one at the top when there is none and ADD. */
function setGrubVariable(lines: string[], name: string, value: string, add: boolean): void {
  const pattern = new RegExp(`^(\\s*set\\s+${name}=)("[^"]*"|'[^']*'|[^\\s;#]*)`);
  let found = false;
  lines.forEach((line, i) => {
    if (!pattern.test(line)) return;
    found = true;
    lines[i] = line.replace(pattern, (_, prefix: string) => `${prefix}${value}`);
  });
  if (!found && add) lines.unshift(`set ${name}=${value}`);
}

/** Edits a GRUB menu file: kernel arguments, timeout, default entry, copied entries. */
export function editGrubMenu(text: string, edit: MenuEdit): MenuEditResult {
  return applyEntryEdits(text, edit, GRUB_SYNTAX);
}
