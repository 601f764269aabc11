import type { MediumLayout } from '../distro/layouts/index.ts';
import { RecipeError } from '../errors.ts';
import type { BootMenu } from '../inspect/menus.ts';
import { readAutoinstall } from '../recipe/autoinstall.ts';
import { kernelPackageOf, kernelPinWarning, pinKernel } from '../recipe/autoinstall-kernel.ts';
import type { LoadedRecipe } from '../recipe/load.ts';
import {
  makeNocloudSeed,
  NOCLOUD_KERNEL_ARGUMENTS,
  NOCLOUD_META_DATA,
  NOCLOUD_USER_DATA,
  readNocloudMetaData,
} from '../recipe/nocloud.ts';
import { resolveRecipePath } from '../safety/confine.ts';
import { stepOf } from '../steps/registry.ts';
import type { BuildMenuEdit } from './menus.ts';

export const AUTOINSTALL_ENTRY_TITLE = 'Install automatically';

export interface AutoinstallPlan {
  /** The NoCloud seed files, by ISO path. */
  texts: Map<string, string>;
  menuEdit?: BuildMenuEdit;
  notices: string[];
}

/** The kernel packages the recipe's `kernel` steps pin, in any layer. */
function pinnedKernels(loaded: LoadedRecipe): string[] {
  const steps = Object.values(loaded.recipe.layers).flatMap((layer) => layer.steps);
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

/**
 * iso.autoinstall: the user-data checked against subiquity's reference, the recipe's kernel pin
 * carried into it (or the installer would install the flavour's newest kernel), the NoCloud seed
 * and the menu entry or arguments that point the installer at it.
 */
export async function planAutoinstall(options: {
  loaded: LoadedRecipe;
  layout: MediumLayout;
  bootMenus: readonly BootMenu[];
}): Promise<AutoinstallPlan> {
  const { loaded, layout } = options;
  const kernels = pinnedKernels(loaded);
  const recipe = loaded.recipe.iso?.autoinstall;
  if (!recipe) return { texts: new Map(), notices: kernels.map(kernelPinWarning) };
  const where = loaded.locate(['iso', 'autoinstall']);
  if (layout.autoinstaller !== 'subiquity')
    throw new RecipeError(
      `${where} autoinstall is Ubuntu Server's installer (subiquity); this is a ${layout.name} medium`,
      {
        hint: 'remove iso.autoinstall, or use an Ubuntu live server ISO as input',
      },
    );
  let autoinstall = await readAutoinstall(await resolveRecipePath(loaded.dir, recipe.userData));
  const notices: string[] = [];
  for (const kernel of kernels) {
    const pinned = pinKernel(autoinstall, kernel);
    autoinstall = pinned.autoinstall;
    if (pinned.changed)
      notices.push(`autoinstall: added kernel: { package: ${kernel} }, the kernel the recipe pins`);
  }
  const metaData = recipe.metaData
    ? await readNocloudMetaData(await resolveRecipePath(loaded.dir, recipe.metaData))
    : '';
  const seed = makeNocloudSeed(autoinstall, metaData);
  const args = [...NOCLOUD_KERNEL_ARGUMENTS];
  const from = firstLiveEntryTitle(options.bootMenus, layout);
  if (recipe.entry === 'add' && !from)
    throw new RecipeError(`${where} no menu entry boots the live kernel, so there is none to copy`, {
      hint: 'check the medium with isoforge inspect',
    });
  const menuEdit: BuildMenuEdit =
    recipe.entry === 'add'
      ? {
          newEntries: [
            {
              title: AUTOINSTALL_ENTRY_TITLE,
              from: from ?? '',
              default: false,
              cmdline: { add: args, remove: [], side: 'live' },
            },
          ],
        }
      : { cmdline: { add: args } };
  return {
    texts: new Map([
      [NOCLOUD_USER_DATA, seed.userData],
      [NOCLOUD_META_DATA, seed.metaData],
    ]),
    menuEdit,
    notices,
  };
}
