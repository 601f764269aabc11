import type { MediumLayout } from '../distro/layouts/index.ts';
import { RecipeError } from '../errors.ts';
import type { BootMenu } from '../inspect/menus.ts';
import { kernelPackageOf, kernelPinWarning, pinKernel } from '../autoinstall/kernel-pin.ts';
import {
  makeNocloudSeed,
  NOCLOUD_KERNEL_ARGUMENTS,
  NOCLOUD_META_DATA,
  NOCLOUD_USER_DATA,
  readNocloudMetaData,
} from '../autoinstall/nocloud.ts';
import { type Autoinstall, readAutoinstall } from '../autoinstall/user-data.ts';
import { resolveRecipePath } from '../safety/confine.ts';
import { type RecipeStep, stepOf } from '../steps/registry.ts';
import type { BuildMenuEdit } from './menus.ts';
import type { RecipeSource } from './recipe-source.ts';
import type { AutoinstallRecipe } from './schema.ts';

export const AUTOINSTALL_ENTRY_TITLE = 'Install automatically';

export interface AutoinstallPlan {
  /** The NoCloud seed files, by ISO path. */
  texts: Map<string, string>;
  menuEdit?: BuildMenuEdit;
  notices: string[];
}

/** The kernel packages the recipe's `kernel` steps pin, in any layer. */
function pinnedKernels(steps: readonly RecipeStep[]): string[] {
  return steps.flatMap((step) => {
    const { definition, params } = stepOf(step);
    return definition.name === 'kernel' ? [kernelPackageOf((params as { version: string }).version)] : [];
  });
}

function firstLiveEntryTitle(bootMenus: readonly BootMenu[], layout: MediumLayout): string | undefined {
  const isLiveKernel = (path: string) => layout.isLiveKernelPath(path);
  return bootMenus.flatMap((menu) => menu.entries).find((entry) => entry.kernel && isLiveKernel(entry.kernel))
    ?.title;
}

/** The user-data with every kernel the recipe pins, and a notice for each pin it had to add. */
function withPinnedKernels(autoinstall: Autoinstall, kernels: readonly string[]) {
  const notices: string[] = [];
  for (const kernel of kernels) {
    const pinned = pinKernel(autoinstall, kernel);
    autoinstall = pinned.autoinstall;
    if (pinned.changed)
      notices.push(`autoinstall: added kernel: { package: ${kernel} }, the kernel the recipe pins`);
  }
  return { autoinstall, notices };
}

/** The NoCloud arguments on a copy of the first live entry (entry: add), or on the live entries (replace). */
function autoinstallMenuEdit(
  entry: AutoinstallRecipe['entry'],
  bootMenus: readonly BootMenu[],
  layout: MediumLayout,
  where: string,
): BuildMenuEdit {
  const args = [...NOCLOUD_KERNEL_ARGUMENTS];
  if (entry === 'replace') return { cmdline: { add: args } };
  const from = firstLiveEntryTitle(bootMenus, layout);
  if (!from)
    throw new RecipeError(`${where} no menu entry boots the live kernel, so there is none to copy`, {
      hint: 'check the medium with isoforge inspect',
    });
  const cmdline = { add: args, remove: [], side: 'live' as const };
  return { newEntries: [{ title: AUTOINSTALL_ENTRY_TITLE, from, default: false, cmdline }] };
}

/**
 * iso.autoinstall: the user-data checked against subiquity's reference, the recipe's kernel pin
 * carried into it (or the installer would install the flavour's newest kernel), the NoCloud seed
 * and the menu entry or arguments that point the installer at it.
 */
export async function planAutoinstall(options: {
  source: RecipeSource;
  autoinstall?: AutoinstallRecipe;
  /** Every layer's steps: the kernel a `kernel` step pins must be the one the installer installs. */
  steps: readonly RecipeStep[];
  layout: MediumLayout;
  bootMenus: readonly BootMenu[];
}): Promise<AutoinstallPlan> {
  const { source, autoinstall: recipe, layout } = options;
  const kernels = pinnedKernels(options.steps);
  if (!recipe) return { texts: new Map(), notices: kernels.map(kernelPinWarning) };
  const where = source.locate(['iso', 'autoinstall']);
  if (layout.autoinstaller !== 'subiquity')
    throw new RecipeError(
      `${where} autoinstall is Ubuntu Server's installer (subiquity); this is a ${layout.name} medium`,
      {
        hint: 'remove iso.autoinstall, or use an Ubuntu live server ISO as input',
      },
    );
  const userData = await readAutoinstall(await resolveRecipePath(source.dir, recipe.userData));
  const { autoinstall, notices } = withPinnedKernels(userData, kernels);
  const metaData = recipe.metaData
    ? await readNocloudMetaData(await resolveRecipePath(source.dir, recipe.metaData))
    : '';
  const menuEdit = autoinstallMenuEdit(recipe.entry, options.bootMenus, layout, where);
  const seed = makeNocloudSeed(autoinstall, metaData);
  return {
    texts: new Map([
      [NOCLOUD_USER_DATA, seed.userData],
      [NOCLOUD_META_DATA, seed.metaData],
    ]),
    menuEdit,
    notices,
  };
}
