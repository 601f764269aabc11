import { createHash } from 'node:crypto';
import type { LoadedRecipe } from '../recipe/load.ts';
import { stepOf } from '../steps/registry.ts';
import type { LayerPlan } from '../layer/plan.ts';
import type { WriteSetup } from '../output/write-setup.ts';
import { canonicalJson, hashFileRemembered, hashHostPaths, hashStepInputs, VERSION } from './layer-key.ts';

/** What the build plan decided that the key folds in besides the recipe. */
export interface KeyedPlan {
  input: string;
  recipeDir: string;
  bootSetup: string;
  writeSetup: { output: WriteSetup };
  sourceDateEpoch?: number;
  layers: readonly Pick<LayerPlan, 'layer' | 'compression' | 'repack' | 'trustsPoolKey' | 'recipe'>[];
}

/** A build's key, or why the build is never served from the cache. */
export type BuildKey = { key: string; why?: undefined } | { key?: undefined; why: string };

/**
 * The build cache's key: sha256 over everything that decides the finished ISO and its report:
 * the isoforge version, the input ISO's bytes (hashed once per file identity), the whole recipe as
 * canonical JSON but for where the output goes, every host file a step or the medium reads,
 * SOURCE_DATE_EPOCH, the boot setup and what the plan decided per layer (compression, repack).
 */
export async function makeBuildKey(
  loaded: LoadedRecipe,
  plan: KeyedPlan,
  memoFile: string,
): Promise<BuildKey> {
  const why = uncachedBecause(loaded, plan);
  if (why) return { why };
  const { input: _input, output: _output, cacheLimit: _limit, ...recipe } = loaded.recipe;
  const iso = loaded.recipe.iso;
  const parts = {
    isoforge: VERSION,
    input: `sha256:${await hashFileRemembered(plan.input, memoFile)}`,
    recipe,
    bootSetup: plan.bootSetup,
    writeSetup: plan.writeSetup.output,
    sourceDateEpoch: plan.sourceDateEpoch ?? null,
    layers: await Promise.all(
      plan.layers.map(async (l) => ({
        name: l.layer.name,
        compression: l.compression,
        repack: l.repack,
        trustsPoolKey: l.trustsPoolKey,
        files: await hashStepInputs(l.recipe.steps, plan.recipeDir),
      })),
    ),
    medium: await hashHostPaths(
      [
        ...(iso?.files ?? []).map((file) => file.src),
        ...(iso?.autoinstall ? [iso.autoinstall.userData] : []),
        ...(iso?.autoinstall?.metaData ? [iso.autoinstall.metaData] : []),
        ...(iso?.pool?.debs ?? []),
      ],
      plan.recipeDir,
    ),
  };
  return { key: createHash('sha256').update(canonicalJson(parts)).digest('hex') };
}

/** What makes a build's output something its inputs do not decide. */
function uncachedBecause(loaded: LoadedRecipe, plan: KeyedPlan): string | undefined {
  const shell = plan.layers.some((l) => l.recipe.steps.some((step) => stepOf(step).definition.needsTerminal));
  if (shell) return 'a shell step: what is typed there is no input the cache can see';
  if (loaded.recipe.sign?.generate) return 'sign.generate makes a new key on every build';
  return undefined;
}
