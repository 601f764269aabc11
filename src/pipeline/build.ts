import type { LoadedRecipe } from '../recipe/load.ts';
import { enterRootlessMode } from '../rootless/namespace.ts';
import type { BuildConfig, BuildRun } from './config.ts';
import { makeDryRunScript } from './dry-run.ts';
import { makeBuildPlan } from './plan.ts';
import { checkBeforeWork } from './preflight.ts';
import { type BuildResult, runBuildStages } from './stages.ts';
import { WorkDir } from './work-dir.ts';

export type { BuildRun } from './config.ts';
export type { BuildResult } from './stages.ts';

/** The remaster: the plan, then its stages (stages.ts), or on --dry-run the plan as a shell script. */
export async function runBuild(
  config: BuildConfig,
  loaded: LoadedRecipe,
  run: BuildRun = {},
): Promise<BuildResult> {
  const options = { ...config, ...run };
  const workDir = new WorkDir(options.workDir);
  // A recipe with layers needs root or rootless mode: decided before the input is even read
  // (checkBeforeWork decides again for layers only the plan adds, a pool's key).
  if (!options.dryRun && Object.keys(loaded.recipe.layers).length) await enterRootlessMode();
  const plan = await makeBuildPlan(loaded, options);
  if (!options.dryRun) return runBuildStages({ plan, options, workDir }, loaded);
  await checkBeforeWork(plan, options);
  const empty = { layers: [], verify: { ok: true, checks: [] }, timings: [] };
  return { plan, output: plan.output, ...empty, dryRun: await makeDryRunScript(plan, workDir) };
}
