import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { MediumLayout } from '../distro/layouts/index.ts';
import { RecipeError } from '../errors.ts';
import { type BootMenu, parseMenu } from '../inspect/menus.ts';
import {
  editMenuFiles,
  type MenuFilesEdit,
  type MenuFileText,
  type NewMenuEntry,
} from '../medium/menus/index.ts';
import { runGrubScriptCheck } from '../tools/grub.ts';
import type { RecipeSource } from './recipe-source.ts';
import type { CmdlineRecipe, IsoRecipe } from './schema.ts';

/** The menus after the recipe's edits: the changed texts to write, and every menu as it will read. */
export interface EditedMenus {
  texts: Map<string, string>;
  bootMenus: BootMenu[];
}

/**
 * Edits the build itself makes (the autoinstall entry or arguments): new entries join the recipe's
 * (so menu.default may name one), arguments are a second pass that always goes before '---'.
 */
export interface BuildMenuEdit {
  cmdline?: { add: string[]; entries?: RegExp };
  newEntries?: NewMenuEntry[];
}

/** The fields of the recipe's iso: that edit the menus. */
type MenuFields = Pick<IsoRecipe, 'cmdline' | 'menu'>;

function entriesPattern(source: RecipeSource, pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new RecipeError(`${source.locate(['iso', 'cmdline', 'entries'])} ${(error as Error).message}`, {
      hint: 'write a JavaScript regular expression over entry titles, like "Install"',
    });
  }
}

function cmdlineEdit(cmdline: Omit<CmdlineRecipe, 'entries'>) {
  return { add: cmdline.add, remove: cmdline.remove, side: cmdline.side };
}

/** The recipe's iso.cmdline and iso.menu as one edit of every menu file. */
function recipeEdit(
  source: RecipeSource,
  { cmdline, menu }: MenuFields,
  isLiveKernel: (path: string) => boolean,
  buildEntries: readonly NewMenuEntry[],
): MenuFilesEdit {
  return {
    isLiveKernel,
    cmdline: cmdline && { ...cmdlineEdit(cmdline), entries: entriesPattern(source, cmdline.entries) },
    timeoutSeconds: menu?.timeout,
    defaultTitle: menu?.default,
    newEntries: [
      ...(menu?.add ?? []).map((entry) => ({
        ...entry,
        cmdline: entry.cmdline && cmdlineEdit(entry.cmdline),
      })),
      ...buildEntries,
    ],
  };
}

/** Applies EDIT to FILES; a name that matched nothing is the recipe's error, positioned at its field. */
function applyEdit(source: RecipeSource, files: MenuFileText[], edit: MenuFilesEdit): MenuFileText[] {
  const { files: edited, problems } = editMenuFiles(files, edit);
  const problem = problems[0];
  if (problem) {
    const value = problem.value ? `${JSON.stringify(problem.value)} ` : '';
    throw new RecipeError(`${source.locate(['iso', ...problem.field])} ${value}${problem.message}`, {
      hint: 'name an entry the medium has (isoforge inspect ISO lists the boot menus)',
    });
  }
  return edited.map(({ path, loader, text }) => ({ path, loader, text }));
}

/** Every edited GRUB file must pass grub-script-check, or the medium would not boot. */
async function checkGrubFiles(files: readonly MenuFileText[], signal?: AbortSignal): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-grub-check-'));
  try {
    for (const file of files.filter((f) => f.loader === 'grub')) {
      const local = join(dir, basename(file.path));
      await writeFile(local, file.text);
      const check = await runGrubScriptCheck(local, signal);
      if (!check.ok)
        throw new RecipeError(
          `the edited ${file.path} fails grub-script-check (line ${check.line ?? '?'}: ${check.message})`,
          { hint: 'check the kernel arguments and titles in iso: for characters GRUB cannot take' },
        );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The recipe's menu edits, then the build's own (autoinstall), on the medium's menu files as read
 * from the input; checked before any work, so a title that matches nothing stops the build at once.
 */
export async function planMenus(options: {
  source: RecipeSource;
  menus?: MenuFields;
  layout: MediumLayout;
  bootMenus: readonly BootMenu[];
  mediumFiles: ReadonlyMap<string, string>;
  buildEdit?: BuildMenuEdit;
  signal?: AbortSignal;
}): Promise<EditedMenus> {
  const { source, menus = {}, bootMenus } = options;
  const isLiveKernel = (path: string) => options.layout.isLiveKernelPath(path);
  const original: MenuFileText[] = bootMenus.map((menu) => ({
    path: menu.file,
    loader: menu.loader,
    text: options.mediumFiles.get(menu.file) ?? '',
  }));
  const build = options.buildEdit ?? {};
  let files = original;
  if (menus.cmdline || menus.menu || build.newEntries?.length)
    files = applyEdit(source, files, recipeEdit(source, menus, isLiveKernel, build.newEntries ?? []));
  if (build.cmdline) {
    const entries = build.cmdline.entries ?? entriesPattern(source, menus.cmdline?.entries);
    const cmdline = { ...build.cmdline, entries, remove: [], side: 'live' as const };
    files = applyEdit(source, files, { isLiveKernel, cmdline });
  }
  const changed = files.filter((file, i) => file.text !== original[i]?.text);
  await checkGrubFiles(changed, options.signal);
  return {
    texts: new Map(changed.map((file) => [file.path, file.text])),
    bootMenus: files.map((file) => parseMenu(file.path, file.loader, file.text)),
  };
}
