import { resolve } from 'node:path';
import { RecipeError } from '../errors.ts';
import { layoutNamed, type MediumLayout } from '../distro/layouts/index.ts';
import { plainLayout } from '../distro/layouts/plain.ts';
import { inspectImage, type IsoReport } from '../inspect/inspect.ts';
import { IsoImage } from '../iso/image.ts';
import type { LayerInfo } from '../inspect/layout.ts';
import {
  checkReproducibleSetup,
  describeSetupChanges,
  planWriteSetup,
  readWriteSetup,
  type WriteSetup,
} from '../output/write-setup.ts';
import type { LoadedRecipe } from '../recipe/load.ts';
import type { LayerRecipe } from '../recipe/schema.ts';
import type { SquashfsCompression } from '../tools/squashfs.ts';
import { bootFilesOf } from '../layer/boot-files.ts';
import { resolveLayerTargets } from '../layer/targets.ts';
import { extentOf, type LayerPlan } from '../layer/plan.ts';
import type { BuildConfig } from './config.ts';
import { type MediumPlan, planMedium } from '../medium-plan/plan.ts';
import { type PoolPlan, planPool } from '../medium-plan/pool.ts';
import type { SignRecipe } from '../medium-plan/schema.ts';

export interface BuildPlan {
  input: string;
  output: string;
  recipeDir: string;
  original: IsoReport;
  /** The small files of the input a build rewrites (install sources, checksum files), by ISO path. */
  mediumFiles: ReadonlyMap<string, string>;
  /** The medium family: owns every casper / Debian live difference. */
  layout: MediumLayout;
  layers: LayerPlan[];
  /** Changes to the medium itself (recipe iso:), checked against the input. */
  medium: MediumPlan;
  pool?: PoolPlan;
  bootSetup: 'replay' | 'explicit';
  /** What the input has of the setup modification mode decides itself, what the build writes, and the difference. */
  writeSetup: { input: WriteSetup; output: WriteSetup; changes: string[] };
  volumeId?: string;
  recipeVerify?: { boot: string[]; expect?: string; timeout?: number };
  sign?: SignRecipe;
  /** Reproducible builds: the recipe's sourceDateEpoch, else SOURCE_DATE_EPOCH, else undefined. */
  sourceDateEpoch?: number;
}

/** Reads the input's report and the small files the build will rewrite. */
async function readInput(
  image: IsoImage,
  input: string,
  customizesLayers: boolean,
): Promise<{ original: IsoReport; mediumFiles: Map<string, string> }> {
  // Which layers each menu entry boots decides where a new kernel goes (and the installer target).
  const original = await inspectImage(image, input, { bootChains: customizesLayers });
  const sources = layoutNamed(original.layout)?.installSourcesFile;
  const menus = original.bootMenus.map((menu) => menu.file);
  const wanted = [...original.checksumFiles, ...(sources ? [sources] : []), ...menus, ...original.uuidFiles];
  const mediumFiles = new Map<string, string>();
  for (const path of wanted) {
    const text = await image.readText(path);
    if (text !== null) mediumFiles.set(path, text);
  }
  return { original, mediumFiles };
}

function layerIsoPaths(layout: MediumLayout, squashfs: string): LayerPlan['isoPaths'] {
  return {
    squashfs,
    packages: layout.packagesSidecar(squashfs),
    size: layout.sizeSidecar(squashfs),
    signature: layout.signatureSidecar(squashfs),
  };
}

/** The layers the recipe customizes, each with its chain, the layers above and its ISO paths. */
function planLayers(
  loaded: LoadedRecipe,
  input: string,
  original: IsoReport,
  layout: MediumLayout,
  poolKeyLayer?: string,
): LayerPlan[] {
  const names = original.layers.map((l) => l.name);
  const resolved = resolveLayerTargets(loaded.recipe.layers, original, layout, loaded.file);
  // A layer the recipe leaves alone is still rebuilt when it must trust the pool's key.
  if (poolKeyLayer && !resolved.some((r) => r.layer === poolKeyLayer)) {
    const recipe: LayerRecipe = { steps: [], allowShadowed: false, repack: 'reuse' };
    resolved.push({ layer: poolKeyLayer, recipe });
  }
  const installChains = original.installSources.map((source) => source.chain);
  const layers: LayerPlan[] = resolved.map(({ layer: name, target, recipe: layerRecipe }) => {
    const layer = original.layers.find((l) => l.name === name) as LayerInfo;
    if (!layer.superblock)
      throw new RecipeError(`layer ${name} is unreadable: ${layer.error ?? 'bad superblock'}`);
    const byName = (n: string) => extentOf(input, original.layers.find((l) => l.name === n) as LayerInfo);
    return {
      layer,
      extent: extentOf(input, layer),
      ancestors: layout.layerChain(name, names).slice(0, -1).map(byName),
      above: layout
        .shadowingLayers(name, names, installChains)
        .map((n) => ({ ...byName(n), chain: layout.layerChain(n, names) })),
      recipe: layerRecipe,
      trustsPoolKey: name === poolKeyLayer,
      compression: layerRecipe.compression ?? {
        algorithm: layer.superblock.compression as SquashfsCompression['algorithm'],
        blockSize: layer.superblock.blockSize,
      },
      repack: repackOf(layerRecipe, layer.superblock),
      isoPaths: layerIsoPaths(layout, layer.path),
      boots: bootFilesOf(name, original, layout),
      ...(target ? { target } : {}),
    };
  });
  // Lower layers first: an upper layer of the same build must stack on their new content.
  layers.sort((a, b) => a.ancestors.length - b.ancestors.length);
  return layers;
}

/** The input's layout; a medium with no live layers can still take a recipe that only edits the medium. */
function chooseLayout(loaded: LoadedRecipe, original: IsoReport, input: string): MediumLayout {
  const layout = layoutNamed(original.layout);
  if (layout) return layout;
  const { layers, iso } = loaded.recipe;
  const needsLayers = Object.keys(layers).length > 0 || iso?.pool || iso?.autoinstall;
  if (!needsLayers) return plainLayout;
  throw new RecipeError(
    `${input} is neither a casper (Ubuntu) nor a Debian live medium: no layers to customize`,
    {
      hint: 'point input: at an Ubuntu live server ISO (casper/) or a live-build ISO (live/), or keep to iso: files, menus and arguments',
    },
  );
}

/** Reads the input ISO and decides what the build will do, before anything is unpacked or mounted. */
export async function makeBuildPlan(
  loaded: LoadedRecipe,
  overrides: Pick<BuildConfig, 'iso' | 'out' | 'bootSetup' | 'sourceDateEpoch'>,
): Promise<BuildPlan> {
  const { recipe, dir } = loaded;
  // The ISOs are named by whoever runs the build, relative to the recipe; files copied INTO the
  // image are the ones confined to the recipe folder (resolveRecipePath in the steps).
  const input = overrides.iso ? resolve(overrides.iso) : resolve(dir, recipe.input);
  const output = overrides.out ? resolve(overrides.out) : resolve(dir, recipe.output);
  if (input === output)
    throw new RecipeError('output must differ from input: a build never modifies its input');
  // The input is opened once: the report, the files to rewrite and the medium's checks all read it.
  await using image = await IsoImage.open(input);
  const { original, mediumFiles } = await readInput(image, input, Object.keys(recipe.layers).length > 0);
  checkReproducibleSetup(original);
  const layout = chooseLayout(loaded, original, input);
  const pool = await planPool({
    source: loaded,
    pool: recipe.iso?.pool,
    sign: recipe.sign,
    original,
    layout,
  });
  const layers = planLayers(loaded, input, original, layout, pool?.keyLayer);
  const medium = await planMedium({
    source: loaded,
    iso: recipe.iso,
    steps: Object.values(recipe.layers).flatMap((layer) => layer.steps),
    original,
    layout,
    mediumFiles,
    rebuiltLayers: layers.map((l) => l.isoPaths.squashfs),
    lookup: async (path) => image.stat(path),
  });
  return {
    input,
    output,
    recipeDir: dir,
    original,
    mediumFiles,
    layout,
    layers,
    medium,
    pool,
    bootSetup: overrides.bootSetup,
    writeSetup: planSetup(original, recipe.standardBootSetup),
    volumeId: recipe.volumeId,
    recipeVerify: recipe.verify,
    sign: recipe.sign,
    sourceDateEpoch: overrides.sourceDateEpoch,
  };
}

/** The input's setup, kept; or Ubuntu's standard one when the recipe asks (the report names the change). */
function planSetup(original: IsoReport, standard: boolean): BuildPlan['writeSetup'] {
  const input = readWriteSetup(original);
  const output = planWriteSetup(input, standard);
  return { input, output, changes: describeSetupChanges(input, output) };
}

/** Block reuse needs the new blocks compressed as the old ones: same algorithm and block size, no new level. */
function repackOf(
  recipe: LayerRecipe,
  superblock: { compression: string; blockSize: number },
): 'reuse' | 'full' {
  const wanted = recipe.compression;
  const keeps =
    !wanted ||
    (wanted.algorithm === superblock.compression &&
      (wanted.blockSize ?? 131072) === superblock.blockSize &&
      wanted.level === undefined);
  return recipe.repack === 'reuse' && keeps ? 'reuse' : 'full';
}
