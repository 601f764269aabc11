import { parseGrubEntries } from '../../inspect/grub-entries.ts';
import { parseIsolinuxEntries } from '../../inspect/isolinux-entries.ts';
import { editGrubMenu } from './grub-menu.ts';
import { editIsolinuxMenu, listIsolinuxLabels } from './isolinux-menu.ts';
import { chooseSettingFiles, type MenuFileText } from './settings-files.ts';
import type { MenuCmdlineEdit, MenuEdit, MenuEditResult, NewMenuEntry } from './types.ts';

/** The edit of all menu files of a medium: MenuEdit without the per-file placement flags. */
export interface MenuFilesEdit {
  isLiveKernel(path: string): boolean;
  cmdline?: MenuCmdlineEdit;
  timeoutSeconds?: number;
  defaultTitle?: string;
  newEntries?: readonly NewMenuEntry[];
}

export interface EditedMenuFile extends MenuFileText {
  /** Whether the text differs from the original (only changed files need writing and checking). */
  changed: boolean;
  touched: string[];
  added: string[];
}

/**
 * A name in the edit that matched nothing in any menu file; FIELD is its path under the recipe's
 * `iso:` (e.g. ['menu', 'add', 0, 'from']), for the caller's positioned RecipeError.
 */
export interface MenuEditProblem {
  field: readonly (string | number)[];
  value: string;
  message: string;
}

/** Edits every menu file of a medium at once; reports the names that matched in no file. */
export function editMenuFiles(
  files: readonly MenuFileText[],
  edit: MenuFilesEdit,
): { files: EditedMenuFile[]; problems: MenuEditProblem[] } {
  const timeoutFiles = new Set(chooseSettingFiles(files, 'timeout'));
  const defaultFiles = new Set(chooseSettingFiles(files, 'default'));
  const results = files.map((file) => {
    const fileEdit: MenuEdit = {
      ...edit,
      addTimeout: timeoutFiles.has(file.path),
      addDefault: defaultFiles.has(file.path),
    };
    const otherLabels = files
      .filter((other) => other !== file && other.loader === 'isolinux')
      .flatMap((other) => listIsolinuxLabels(other.text));
    const result = editMenuFile(file, fileEdit, otherLabels);
    return { file, result };
  });
  const edited = results.map(({ file, result }) => ({
    ...file,
    text: result.text,
    changed: result.text !== file.text,
    touched: result.touched,
    added: result.added,
  }));
  return {
    files: edited,
    problems: findProblems(
      files,
      edit,
      results.map((r) => r.result),
    ),
  };
}

/** One file with the editor of its loader; OTHER_LABELS: isolinux label names in the menu's other files. */
export function editMenuFile(
  file: MenuFileText,
  edit: MenuEdit,
  otherLabels: readonly string[] = [],
): MenuEditResult {
  return file.loader === 'grub'
    ? editGrubMenu(file.text, edit)
    : editIsolinuxMenu(file.text, edit, otherLabels);
}

/** Every entry title of FILES, for the messages: what the recipe could have named. */
export function listMenuTitles(files: readonly MenuFileText[]): string[] {
  const titles = files.flatMap((file) => {
    const lines = file.text.split('\n');
    return file.loader === 'grub'
      ? parseGrubEntries(lines).map((entry) => entry.title)
      : parseIsolinuxEntries(lines).map((entry) => entry.title);
  });
  return [...new Set(titles)];
}

function findProblems(
  files: readonly MenuFileText[],
  edit: MenuFilesEdit,
  results: readonly MenuEditResult[],
): MenuEditProblem[] {
  const problems: MenuEditProblem[] = [];
  const titles =
    listMenuTitles(files)
      .map((title) => JSON.stringify(title))
      .join(', ') || 'none';
  const matchedEntries = results.some((result) => result.found.entries.length > 0);
  if (edit.cmdline && !matchedEntries) {
    problems.push(
      edit.cmdline.entries
        ? {
            field: ['cmdline', 'entries'],
            value: edit.cmdline.entries.source,
            message: `matches no menu entry that boots the live kernel; the menus' entries are ${titles}`,
          }
        : {
            field: ['cmdline'],
            value: '',
            message: `no menu entry boots the live kernel; the menus' entries are ${titles}`,
          },
    );
  }
  (edit.newEntries ?? []).forEach((entry, index) => {
    if (results.some((result) => result.found.from.includes(entry.from))) return;
    problems.push({
      field: ['menu', 'add', index, 'from'],
      value: entry.from,
      message: `no menu entry is titled ${JSON.stringify(entry.from)}; the menus' entries are ${titles}`,
    });
  });
  const newDefault = (edit.newEntries ?? []).some((entry) => entry.default);
  if (edit.defaultTitle !== undefined && !newDefault && !results.some((result) => result.found.default)) {
    problems.push({
      field: ['menu', 'default'],
      value: edit.defaultTitle,
      message: `no menu entry is titled ${JSON.stringify(edit.defaultTitle)}; the menus' entries are ${titles}`,
    });
  }
  return problems;
}
