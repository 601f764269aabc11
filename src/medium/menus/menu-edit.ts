import { checkArguments } from './arguments.ts';
import type { CmdlineEdit, MenuEdit, MenuEditResult, NewMenuEntry } from './types.ts';

type IsLiveKernel = (path: string) => boolean;

/** What differs between GRUB and isolinux: how entries are found, copied and configured. */
export interface MenuSyntax<Entry> {
  parseEntries(lines: readonly string[]): Entry[];
  titleOf(entry: Entry): string;
  bootsLiveKernel(entry: Entry, lines: readonly string[], isLive: IsLiveKernel): boolean;
  /** Edits the arguments of ENTRY's live-kernel lines in LINES, in place. */
  editCmdline(entry: Entry, lines: string[], edit: CmdlineEdit, isLive: IsLiveKernel): void;
  /** The lines of a copy of ENTRY titled TITLE, to go right after ENTRY. */
  copyEntry(entry: Entry, lines: readonly string[], title: string): string[];
  endOf(entry: Entry): number;
  /** Makes TITLE the default; whether an entry of LINES has that title. */
  setDefault(lines: string[], title: string, add: boolean): boolean;
  setTimeout(lines: string[], seconds: number, add: boolean): void;
}

/** The edit order that makes editing twice the same as once: arguments, copies, default, timeout. */
export function applyEntryEdits<Entry>(
  text: string,
  edit: MenuEdit,
  syntax: MenuSyntax<Entry>,
): MenuEditResult {
  const newEntries = edit.newEntries ?? [];
  for (const cmdline of [edit.cmdline, ...newEntries.map((entry) => entry.cmdline)]) {
    if (cmdline) checkArguments(cmdline);
  }
  const lines = text.split('\n');
  const result: MenuEditResult = {
    text,
    touched: [],
    added: [],
    found: { entries: [], from: [], default: false },
  };
  if (edit.cmdline) editLiveEntries(lines, edit, syntax, result);
  for (const entry of newEntries) addCopy(lines, entry, edit.isLiveKernel, syntax, result);
  const defaultTitle = [...newEntries].reverse().find((entry) => entry.default)?.title ?? edit.defaultTitle;
  if (defaultTitle !== undefined)
    result.found.default = syntax.setDefault(lines, defaultTitle, edit.addDefault ?? false);
  if (edit.timeoutSeconds !== undefined)
    syntax.setTimeout(lines, edit.timeoutSeconds, edit.addTimeout ?? false);
  result.text = lines.join('\n');
  return result;
}

/**
 * The recipe's cmdline on every entry that boots the live kernel (and matches `entries`). The new
 * entries' titles are skipped: on a second run their copy exists and has its own arguments.
 */
function editLiveEntries<Entry>(
  lines: string[],
  edit: MenuEdit,
  syntax: MenuSyntax<Entry>,
  result: MenuEditResult,
): void {
  const cmdline = edit.cmdline;
  if (!cmdline) return;
  const newTitles = new Set((edit.newEntries ?? []).map((entry) => entry.title));
  const count = syntax.parseEntries(lines).length;
  // Parsed again for each entry: an edit may add a line (an isolinux label without `append`).
  for (let index = 0; index < count; index++) {
    const entry = syntax.parseEntries(lines)[index];
    if (!entry) break;
    const title = syntax.titleOf(entry);
    if (newTitles.has(title) || !syntax.bootsLiveKernel(entry, lines, edit.isLiveKernel)) continue;
    if (cmdline.entries && title.search(cmdline.entries) < 0) continue;
    result.found.entries.push(title);
    const before = lines.join('\n');
    syntax.editCmdline(entry, lines, cmdline, edit.isLiveKernel);
    if (lines.join('\n') !== before) result.touched.push(title);
  }
}

function addCopy<Entry>(
  lines: string[],
  wanted: NewMenuEntry,
  isLive: IsLiveKernel,
  syntax: MenuSyntax<Entry>,
  result: MenuEditResult,
): void {
  const entries = syntax.parseEntries(lines);
  const source = entries.find((entry) => syntax.titleOf(entry) === wanted.from);
  if (!source) return;
  result.found.from.push(wanted.from);
  if (entries.some((entry) => syntax.titleOf(entry) === wanted.title)) return;
  const after = syntax.endOf(source) + 1;
  // Blank lines between entries (live-build's labels) stay between them.
  const separator = lines[after]?.trim() === '' && after < lines.length - 1 ? [''] : [];
  lines.splice(after, 0, ...separator, ...syntax.copyEntry(source, lines, wanted.title));
  const copy = syntax.parseEntries(lines).find((entry) => syntax.titleOf(entry) === wanted.title);
  if (copy && wanted.cmdline) syntax.editCmdline(copy, lines, wanted.cmdline, isLive);
  result.added.push(wanted.title);
}
