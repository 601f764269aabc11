import { type ArgumentToken, editArguments } from './arguments.ts';
import { type IsolinuxEntry, keywordsOf, parseIsolinuxEntries } from '../../inspect/isolinux-entries.ts';
import { applyEntryEdits, type MenuSyntax } from './menu-edit.ts';
import type { CmdlineEdit, MenuEdit, MenuEditResult } from './types.ts';

/** The largest TIMEOUT syslinux accepts (syslinux.doc, "timeout"): just below one hour. */
const MAX_TIMEOUT_TENTHS = 35996;
/** A DEFAULT naming one of these is a UI module (vesamenu.c32), not a label. */
const MODULE_FILE = /\.(c32|com|cbt|bin|0)$/i;

/** EDIT applied to one APPEND line; isolinux takes every character literally, initrd= stays where it is. */
export function editIsolinuxAppendLine(line: string, edit: CmdlineEdit): string {
  const words: ArgumentToken[] = [...line.matchAll(/\S+/g)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    value: m[0],
  }));
  const end = words.at(-1)?.end ?? line.length;
  return editArguments(line, words.slice(1), end, edit, (argument) => argument);
}

function indentOf(line: string | undefined): string {
  return /^\s*/.exec(line ?? '')?.[0] ?? '';
}

function editCmdline(entry: IsolinuxEntry, lines: string[], edit: CmdlineEdit): void {
  if (entry.appendLine !== null) {
    lines[entry.appendLine] = editIsolinuxAppendLine(lines[entry.appendLine] ?? '', edit);
    return;
  }
  if (entry.kernelLine === null) return;
  const bare = `${indentOf(lines[entry.kernelLine])}append`;
  const append = editIsolinuxAppendLine(bare, edit);
  if (append !== bare) lines.splice(entry.kernelLine + 1, 0, append);
}

/** The indentation of ENTRY's keywords, a tab when the label has none yet. */
function bodyIndentOf(entry: IsolinuxEntry, lines: readonly string[]): string {
  return entry.end > entry.start ? indentOf(lines[entry.start + 1]) : '\t';
}

/** A label name for TITLE that no label of LINES or OTHERS has (label names are global to the whole menu). */
function uniqueLabelName(lines: readonly string[], others: readonly string[], title: string): string {
  const names = [...parseIsolinuxEntries(lines).map((entry) => entry.name), ...others];
  const taken = new Set(names.map((name) => name.toLowerCase()));
  const base =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'entry';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

function copyEntry(
  entry: IsolinuxEntry,
  lines: readonly string[],
  title: string,
  others: readonly string[],
): string[] {
  const at = (i: number) => i - entry.start;
  const copy = lines.slice(entry.start, entry.end + 1);
  const bodyIndent = bodyIndentOf(entry, lines);
  copy[0] = `${indentOf(copy[0])}label ${uniqueLabelName(lines, others, title)}`;
  if (entry.menuLabelLine !== null)
    copy[at(entry.menuLabelLine)] = `${indentOf(lines[entry.menuLabelLine])}menu label ${title}`;
  const dropped = new Set(entry.menuDefaultLines.map(at));
  const result = copy.filter((_, i) => !dropped.has(i));
  if (entry.menuLabelLine === null) result.splice(1, 0, `${bodyIndent}menu label ${title}`);
  return result;
}

/**
 * TITLE becomes the one MENU DEFAULT among the top-level labels (menu.c32's default), and a
 * DEFAULT that names a label (not a UI module like vesamenu.c32) names TITLE's label.
 */
function setIsolinuxDefault(lines: string[], title: string): boolean {
  const entries = parseIsolinuxEntries(lines);
  const target = entries.find((entry) => entry.title === title);
  const stale = entries
    .filter((entry) => entry.depth === 0 && entry !== target)
    .flatMap((entry) => entry.menuDefaultLines);
  if (target) {
    lines.forEach((line, i) => {
      const [keyword, , words] = keywordsOf(line);
      if (keyword === 'default' && words[1] && !MODULE_FILE.test(words[1])) {
        lines[i] = `${indentOf(line)}${words[0]} ${target.name}`;
      }
    });
    if (!target.menuDefaultLines.length) {
      const after = target.menuLabelLine ?? target.start;
      lines.splice(after + 1, 0, `${bodyIndentOf(target, lines)}menu default`);
      for (let k = 0; k < stale.length; k++) if ((stale[k] ?? 0) > after) stale[k] = (stale[k] ?? 0) + 1;
    }
  }
  for (const i of stale.sort((a, b) => b - a)) lines.splice(i, 1);
  return target !== undefined;
}

/**
 * TIMEOUT counts tenths of a second and 0 means "wait forever" (syslinux.doc, "timeout"), so 0 s
 * becomes 1 (a tenth) and 3600 s the maximum, 35996. Every TIMEOUT line is replaced (wherever it
 * is, menu.c32 reads the last one); with none and ADD, one goes at the end of the file.
 */
function setIsolinuxTimeout(lines: string[], seconds: number, add: boolean): void {
  const tenths = Math.min(MAX_TIMEOUT_TENTHS, Math.max(1, Math.round(seconds * 10)));
  const pattern = /^(\s*timeout\s+)\d+/i;
  let found = false;
  lines.forEach((line, i) => {
    if (!pattern.test(line)) return;
    found = true;
    lines[i] = line.replace(pattern, (_, prefix: string) => `${prefix}${tenths}`);
  });
  if (found || !add) return;
  const last = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  lines.splice(last, 0, `timeout ${tenths}`);
}

/** The isolinux syntax; OTHER_LABELS are the label names of the menu's other files. */
function isolinuxSyntax(otherLabels: readonly string[]): MenuSyntax<IsolinuxEntry> {
  return {
    parseEntries: parseIsolinuxEntries,
    titleOf: (entry) => entry.title,
    bootsLiveKernel: (entry, _lines, isLive) => entry.kernel !== null && isLive(entry.kernel),
    editCmdline: (entry, lines, edit, isLive) => {
      if (entry.kernel !== null && isLive(entry.kernel)) editCmdline(entry, lines, edit);
    },
    copyEntry: (entry, lines, title) => copyEntry(entry, lines, title, otherLabels),
    endOf: (entry) => entry.end,
    setDefault: (lines, title) => setIsolinuxDefault(lines, title),
    setTimeout: setIsolinuxTimeout,
  };
}

/** The label names of an isolinux file, for otherLabels of the edits of the files it shares a menu with. */
export function listIsolinuxLabels(text: string): string[] {
  return parseIsolinuxEntries(text.split('\n')).map((entry) => entry.name);
}

/**
 * Edits an isolinux/syslinux menu file: kernel arguments, timeout, default entry, copied entries.
 * A copy's label name is made unique among this file's labels and OTHER_LABELS.
 */
export function editIsolinuxMenu(
  text: string,
  edit: MenuEdit,
  otherLabels: readonly string[] = [],
): MenuEditResult {
  return applyEntryEdits(text, edit, isolinuxSyntax(otherLabels));
}
