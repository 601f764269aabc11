import { stat } from 'node:fs/promises';
import { CHECKSUM_FILES } from '../distro/checksums.ts';
import { InputError, RecipeError } from '../errors.ts';
import type { MediumLayout } from '../distro/layouts/index.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import type { BootMenu } from '../inspect/menus.ts';
import { resolveRecipePath } from '../safety/confine.ts';
import type { RecipeStep } from '../steps/registry.ts';
import { excludedFromChecksums } from './checksum-exclusions.ts';
import { planAutoinstall } from './autoinstall.ts';
import { planMenus } from './menus.ts';
import type { RecipeSource } from './recipe-source.ts';
import type { IsoRecipe } from './schema.ts';

/** A host file the recipe puts on the medium as it is. */
export interface MediumFile {
  isoPath: string;
  localPath: string;
  mode?: number;
}

/** What the build changes on the medium itself, decided and checked before any layer work. */
export interface MediumPlan {
  files: MediumFile[];
  /** Text files isoforge writes (edited menus, .disk/info, the autoinstall seed), by ISO path. */
  texts: Map<string, string>;
  remove: string[];
  /** Every boot menu as the new medium will have it (the boot tests wait for its timeout). */
  bootMenus: BootMenu[];
  /** What the user should know before the build starts (a kernel pin without autoinstall). */
  notices: string[];
}

/** Looks up ISO paths of the input: the plan opens the input once and lends its reader. */
export type IsoLookup = (isoPath: string) => Promise<{ isDirectory: boolean } | null>;

/** Files isoforge itself owns on the medium: a recipe that writes or removes them would be undone or break boot. */
function ownedPaths(original: IsoReport): Map<string, string> {
  const owned = new Map<string, string>();
  const checksumFiles = new Set(CHECKSUM_FILES.map((file) => file.path));
  for (const path of excludedFromChecksums(original)) {
    if (!checksumFiles.has(path)) owned.set(path, 'xorriso writes it for the boot setup');
  }
  for (const path of [...checksumFiles, ...original.checksumFiles])
    owned.set(path, 'isoforge rewrites it for the changed files');
  owned.set('/.disk/info', 'UEFI GRUB finds the medium by it (use iso.diskInfo to change its text)');
  return owned;
}

/** Files on the medium: each source inside the recipe folder and present, each dest a path isoforge does not own. */
async function planFiles(
  source: RecipeSource,
  files: IsoRecipe['files'],
  owned: Map<string, string>,
): Promise<MediumFile[]> {
  const planned: MediumFile[] = [];
  for (const [index, file] of files.entries()) {
    const why = owned.get(file.dest);
    if (why)
      throw new RecipeError(
        `${source.locate(['iso', 'files', index, 'dest'])} ${file.dest} cannot be replaced: ${why}`,
        {
          hint: 'put the file at another path on the medium',
        },
      );
    const localPath = await resolveRecipePath(source.dir, file.src);
    const found = await stat(localPath).catch(() => undefined);
    if (!found?.isFile())
      throw new InputError(`${source.locate(['iso', 'files', index, 'src'])} ${file.src} is not a file`, {
        hint: `put it at ${localPath} (paths in a recipe are relative to its folder)`,
      });
    planned.push({ isoPath: file.dest, localPath, mode: file.mode });
  }
  return planned;
}

/** Paths to remove: each present on the input, none that isoforge owns or the build rewrites. */
async function planRemovals(
  source: RecipeSource,
  remove: IsoRecipe['remove'],
  owned: Map<string, string>,
  rebuilt: readonly string[],
  lookup: IsoLookup,
): Promise<string[]> {
  for (const [index, path] of remove.entries()) {
    const where = source.locate(['iso', 'remove', index]);
    const why = owned.get(path) ?? (rebuilt.includes(path) ? 'the recipe rebuilds this layer' : undefined);
    if (why)
      throw new RecipeError(`${where} ${path} cannot be removed: ${why}`, {
        hint: 'remove it from iso.remove',
      });
    if (!(await lookup(path)))
      throw new RecipeError(`${where} ${path} is not on the input ISO`, {
        hint: 'check the path on the input ISO (xorriso -indev ISO -find /), or drop it from iso.remove',
      });
  }
  return [...remove];
}

/** Checks the recipe's iso: section against the input and decides every file it writes. */
export async function planMedium(options: {
  source: RecipeSource;
  iso?: IsoRecipe;
  /** Every layer's steps: a kernel pin reaches the autoinstall. */
  steps: readonly RecipeStep[];
  original: IsoReport;
  layout: MediumLayout;
  mediumFiles: ReadonlyMap<string, string>;
  rebuiltLayers: readonly string[];
  lookup: IsoLookup;
  signal?: AbortSignal;
}): Promise<MediumPlan> {
  const { source, iso, original, layout } = options;
  const owned = ownedPaths(original);
  const autoinstall = await planAutoinstall({
    source,
    autoinstall: iso?.autoinstall,
    steps: options.steps,
    layout,
    bootMenus: original.bootMenus,
  });
  const menus = await planMenus({
    source,
    menus: iso,
    layout,
    bootMenus: original.bootMenus,
    mediumFiles: options.mediumFiles,
    buildEdit: autoinstall.menuEdit,
    signal: options.signal,
  });
  const texts = new Map([...menus.texts, ...autoinstall.texts]);
  const diskInfo = iso?.diskInfo;
  if (diskInfo !== undefined) texts.set('/.disk/info', `${diskInfo.trim()}\n`);
  // A file the build writes itself (an edited menu, the seed) cannot also come from the recipe.
  for (const path of texts.keys()) owned.set(path, 'the build writes it (menus, autoinstall seed, diskInfo)');
  return {
    files: await planFiles(source, iso?.files ?? [], owned),
    texts,
    remove: await planRemovals(source, iso?.remove ?? [], owned, options.rebuiltLayers, options.lookup),
    bootMenus: menus.bootMenus,
    notices: autoinstall.notices,
  };
}
