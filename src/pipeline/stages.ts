import { describeLayersNotReproducible } from '../cache/build-lookup.ts';
import type { ReusedBuild } from '../cache/build-reuse.ts';
import type { BuiltLayer } from '../cache/cached-customize.ts';
import type { BuildCaches } from '../cache/build-lookup.ts';
import type { IsoDiff } from '../diff/diff.ts';
import { makeMetadataChanges } from '../medium-plan/metadata.ts';
import { poolKeyStep } from '../medium-plan/pool.ts';
import { writeMediumChanges } from '../medium-plan/write.ts';
import type { LoadedRecipe } from '../recipe/load.ts';
import { StageRunner, type StageTiming } from '../ui/stages.ts';
import type { VerifyReport } from '../verify/verify.ts';
import type { BuildPlan } from './plan.ts';
import {
  checkBeforeWork,
  checkBuildSpace,
  lockWorkDir,
  openScratch,
  prepareBuildOutput,
} from './preflight.ts';
import {
  type Build,
  bootTestOf,
  type BuiltBoot,
  type MadeBuild,
  buildPoolOf,
  customizeOne,
  lookUpOf,
  makeRoomFor,
  makeSignerOf,
  openCachesOf,
  prepareReportOf,
  publish,
  reusedResult,
  storeBuildOf,
  verifyOutputOf,
  writeIsoOf,
} from './stage-context.ts';

export interface BuildResult {
  plan: BuildPlan;
  output: string;
  layers: BuiltLayer[];
  verify: VerifyReport;
  timings: StageTiming[];
  /** Absent on a dry run, like everything a build makes. */
  boots?: BuiltBoot[];
  /** What differs between the input and the output (`isoforge diff`). */
  diff?: IsoDiff;
  /** The HTML build report written. */
  report?: string;
  dryRun?: string;
  /** Set when the output was up to date: it came from the build cache. */
  reused?: ReusedBuild;
}

/**
 * The build, stage by stage, from the checked plan to the published ISO: each stage is a typed
 * function of what the ones before it made, timed and shown by STAGES. This list and makeIso's are
 * the build: a new stage is one more line here. Checks are stages too (`check`), kept off the
 * display and out of the report's timings; the lookup is timed but not shown (the CLI says its line).
 */
export async function runBuildStages(
  build: Omit<Build, 'tempPath'>,
  loaded: LoadedRecipe,
): Promise<BuildResult> {
  const { plan, options, workDir } = build;
  const stages = new StageRunner({ quiet: options.quiet, liveProgress: options.terminal.liveProgress });
  await stages.check('check the recipe, the tools and the privileges', () => checkBeforeWork(plan, options));
  await using _lock = await stages.check('lock the work directory', () => lockWorkDir(workDir, options));
  await using output = await stages.check('prepare the output', () => prepareBuildOutput(plan, options));
  const at: Build = { ...build, tempPath: output.tempPath };
  const caches = await stages.check('open the caches', () => openCachesOf(at));
  const lookup = await stages.run('look up the build cache', () => lookUpOf(at, caches, loaded, output), {
    shown: false,
  });
  if (lookup.reused) return reusedResult(plan, lookup.reused, stages.timings);
  await stages.check('check the free space', () => checkBuildSpace(plan, workDir));
  await using _scratch = await stages.check('empty the scratch', () =>
    openScratch(workDir, options.keepWorkDir),
  );
  const made = await makeIso(at, stages, caches, lookup.key !== undefined);
  await using report = await stages.check('compare with the input and write the report', () =>
    prepareReportOf(at, made),
  );
  await stages.check('publish the ISO and its report', () => publish(output, report));
  await stages.check('store in the build cache', () =>
    storeBuildOf(at, caches, lookup.key, made, report.data),
  );
  return {
    plan,
    output: plan.output,
    ...made,
    timings: stages.timings,
    diff: report.diff,
    report: report.html,
  };
}

/** The stages that make the new ISO under its temporary name and check it (to be STORED in the build cache, or not). */
async function makeIso(
  at: Build,
  stages: StageRunner,
  caches: BuildCaches,
  stored: boolean,
): Promise<MadeBuild> {
  const { plan, options, workDir } = at;
  const signer = plan.sign
    ? await stages.run('prepare the signing key', (r) => makeSignerOf(at, r))
    : undefined;
  const poolKey = plan.pool && signer ? await poolKeyStep(signer, options.signal) : undefined;
  const layers: BuiltLayer[] = [];
  for (const layer of plan.layers)
    layers.push(
      await stages.run(`customize layer ${layer.layer.name}`, (r) =>
        customizeOne(at, layer, { layers, caches, poolKey }, r),
      ),
    );
  for (const line of describeLayersNotReproducible(layers)) options.onNotice?.(line);
  // The layers are done with the cache: room for the ISO is made while it is written and verified.
  if (stored) makeRoomFor(at, caches);
  const medium = await stages.run('change the medium (menus, files, seed)', (r) =>
    writeMediumChanges(plan.medium, workDir, r.say),
  );
  if (plan.pool && signer)
    medium.replace.push(
      ...(await stages.run('build the offline pool', (r) => buildPoolOf(at, layers, signer, r))),
    );
  const changes = await stages.run('update manifests, sizes, install sources and checksum files', (r) =>
    makeMetadataChanges(plan, layers, medium, workDir, r.say, signer),
  );
  const digests = await stages.run(`write the ISO (boot setup: ${plan.bootSetup})`, (r) =>
    writeIsoOf(at, changes, r),
  );
  const { verify, written } = await stages.run('verify the new ISO against the original', (r) =>
    verifyOutputOf(at, digests, r),
  );
  const boots: BuiltBoot[] = [];
  for (const mode of plan.recipeVerify?.boot ?? [])
    boots.push(await stages.run(`boot-test ${mode}`, (r) => bootTestOf(at, mode, r)));
  return { layers, verify, written, boots, timings: stages.timings };
}
