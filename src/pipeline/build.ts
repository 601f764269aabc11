import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LoadedRecipe } from '../recipe/load.ts';
import { recoverMounts } from '../rootfs/mounts.ts';
import { type PendingOutput, prepareOutput } from '../safety/atomic.ts';
import { acquireWorkLock } from '../safety/lock.ts';
import { checkRemovable } from '../safety/remove.ts';
import { readPrivileges } from '../safety/privileges.ts';
import { runRemoveTree } from '../tools/coreutils.ts';
import {
  checkFreeSpace,
  describeEstimate,
  estimateBuildSpace,
  estimateUnpackedBytes,
} from '../safety/space.ts';
import { openLogFile } from '../ui/log.ts';
import { StageRunner, type StageTiming } from '../ui/stages.ts';
import { LayerCache } from '../cache/layer-cache.ts';
import type { BuildConfig } from './config.ts';
import type { VerifyReport } from '../verify/verify.ts';
import type { ReportData } from '../report/model.ts';
import type { IsoDiff } from '../diff/diff.ts';
import type { BuiltStages, StageInputs } from './stages.ts';
import { checkReportPath, prepareBuildReport } from './report.ts';
import type { BuiltLayer } from '../cache/cached-customize.ts';
import { describeNotReproducible, LayerRecords } from '../cache/layer-records.ts';
import { BuildCache } from '../cache/build-cache.ts';
import { makeBuildKey } from './build-key.ts';
import { type ReusedBuild, reuseFinishedBuild, storedLayersOf } from './build-reuse.ts';
import { makeDryRunScript } from './dry-run.ts';
import { checkPredictedShadowing } from '../layer/shadowing.ts';
import { checkBuildTools, checkLayerPrivileges, checkStepInputs, checkTerminalSteps } from './tools.ts';
import { type BuildPlan, makeBuildPlan } from './plan.ts';
import { runBuildStages } from './stages.ts';
import { WorkDir } from './work-dir.ts';

/** What a run gives a build besides its settings: how to stop it and where its notices go. */
export interface BuildRun {
  signal?: AbortSignal;
  onNotice?: (line: string) => void;
}

/** A build's settings and its run, as the stages below take them. */
type BuildOptions = BuildConfig & BuildRun;

export interface BuildResult {
  plan: BuildPlan;
  output: string;
  layers: BuiltLayer[];
  verify: VerifyReport;
  timings: StageTiming[];
  /** Absent on a dry run, like everything a build makes. */
  boots?: BuiltStages['boots'];
  /** What differs between the input and the output (`isoforge diff`). */
  diff?: IsoDiff;
  /** The HTML build report written. */
  report?: string;
  dryRun?: string;
  /** Set when the output was up to date: it came from the build cache. */
  reused?: ReusedBuild;
}

/** The whole remaster as one ordered list of stages; see the README for what each one does. */
export async function runBuild(
  config: BuildConfig,
  loaded: LoadedRecipe,
  run: BuildRun = {},
): Promise<BuildResult> {
  const options: BuildOptions = { ...config, ...run };
  const workDir = new WorkDir(options.workDir);
  const plan = await makeBuildPlan(loaded, options);
  await checkBeforeWork(plan, options);
  if (options.dryRun) return dryRunResult(plan, workDir, options.signal);
  // Before the work dir exists: a recipe whose changes a layer above would hide leaves nothing behind.
  await checkPredictedShadowing(plan.layers, options.signal);
  await using _lock = await lockWorkDir(workDir, options);
  await mkdir(dirname(plan.output), { recursive: true });
  await using output = await prepareOutput(plan.output, {
    force: options.force,
    signal: options.signal,
  });
  const stages = new StageRunner({ quiet: options.quiet, liveProgress: options.terminal.liveProgress });
  const caching = await openLayerCache(options, plan.sourceDateEpoch !== undefined);
  const builds = caching.cache && new BuildCache(caching.cache);
  let key: string | undefined;
  if (builds) {
    // Timed, but not shown: an up-to-date build says one line (the CLI's), a miss goes on as ever.
    const quiet = new StageRunner({ quiet: true });
    const lookup = await quiet.run('look up the build cache', () =>
      lookUpBuild({ builds, loaded, plan, workDir, output, options }),
    );
    stages.timings.push(...quiet.timings);
    if ('reused' in lookup) return { ...reusedResult(plan, lookup.reused), timings: stages.timings };
    key = lookup.key;
  }
  // Only now: a build the cache answers needs no room (its inputs passed the check when it was made).
  await checkBuildSpace(plan, workDir);
  const inputs = {
    plan,
    workDir,
    tempPath: output.tempPath,
    signal: options.signal,
    term: options.terminal.term,
  };
  const built = await runStagesInScratch({ ...inputs, ...caching }, stages, options.keepWorkDir);
  for (const line of describeLayersNotReproducible(built.layers)) options.onNotice?.(line);
  const timings = stages.timings;
  await using report = await prepareBuildReport({
    ...built,
    plan,
    workDir,
    timings,
    tempPath: output.tempPath,
    ...reportOptions(options),
  });
  // The ISO first (it refuses once interrupted), then its report at once: they appear together.
  await output.commit();
  await report.commit();
  if (builds && key) await storeBuild(builds, key, { plan, built, report: report.data }, options);
  return { plan, output: plan.output, ...built, timings, diff: report.diff, report: report.html };
}

/** The build's stages in the work dir's scratch, which is emptied before and after (unless KEEP). */
async function runStagesInScratch(
  inputs: StageInputs,
  stages: StageRunner,
  keep: boolean,
): Promise<BuiltStages> {
  await removeScratch(inputs.workDir);
  try {
    return await runBuildStages(inputs, stages);
  } finally {
    if (!keep) await removeScratch(inputs.workDir);
  }
}

/** The plan's notices, then the checks every build (a dry run too, but for tools and terminal) makes before any work. */
async function checkBeforeWork(plan: BuildPlan, options: BuildOptions): Promise<void> {
  for (const notice of plan.medium.notices) options.onNotice?.(notice);
  if (plan.writeSetup.changes.length)
    options.onNotice?.(`boot setup: ${plan.writeSetup.changes.join(', ')} (standardBootSetup)`);
  if (!options.dryRun) checkLayerPrivileges(plan, readPrivileges());
  if (!options.dryRun) await checkBuildTools(plan);
  if (!options.dryRun) checkTerminalSteps(plan, Boolean(process.stdin.isTTY));
  await checkStepInputs(plan);
  await checkReportPath(options.reportPath);
}

/** Keeps a published build: only one that got this far (every check and boot test passed) is stored. */
async function storeBuild(
  builds: BuildCache,
  key: string,
  done: { plan: BuildPlan; built: BuiltStages; report: ReportData },
  options: BuildOptions,
): Promise<void> {
  const say = (line: string) => options.onNotice?.(line);
  const stored = { iso: done.plan.output, report: done.report, layers: storedLayersOf(done.built.layers) };
  // The output is published already: a cache that cannot take it is worth a notice, not a failed build.
  await builds.store(key, stored, say).catch((error: unknown) => {
    say(`build cache: not stored (${(error as Error).message})`);
  });
}

/** The plan as shell commands, after the checks a build makes before any work. */
async function dryRunResult(plan: BuildPlan, workDir: WorkDir, signal?: AbortSignal): Promise<BuildResult> {
  await checkPredictedShadowing(plan.layers, signal);
  return {
    plan,
    output: plan.output,
    layers: [],
    verify: { ok: true, checks: [] },
    timings: [],
    dryRun: makeDryRunScript(plan, workDir),
  };
}

/** The work directory locked, the mounts a killed run left undone, the build log opened. */
async function lockWorkDir(workDir: WorkDir, options: BuildOptions): Promise<AsyncDisposable> {
  await mkdir(workDir.root, { recursive: true });
  const lock = await acquireWorkLock(workDir.root, {
    onMessage: (line: string) => options.onNotice?.(line),
  });
  const leftovers = await recoverMounts(workDir.root);
  if (leftovers.length)
    options.onNotice?.(`undid ${leftovers.length} mounts a killed run left: ${leftovers.join(', ')}`);
  openLogFile(workDir.log);
  return lock;
}

/** The build key, then the stored build under it: reused (ISO and report published) or not there. */
async function lookUpBuild(inputs: {
  builds: BuildCache;
  loaded: LoadedRecipe;
  plan: BuildPlan;
  workDir: WorkDir;
  output: PendingOutput;
  options: BuildOptions;
}): Promise<{ reused: ReusedBuild } | { key?: string }> {
  const { builds, plan, options } = inputs;
  const made = await makeBuildKey(inputs.loaded, plan, join(builds.layers.dir, 'extent-hashes.json'));
  if (!made.key) {
    options.onNotice?.(`build cache: not used (${made.why})`);
    return {};
  }
  const reused = await reuseFinishedBuild({
    cache: builds,
    key: made.key,
    plan,
    workDir: inputs.workDir,
    output: inputs.output,
    ...reportOptions(options),
  });
  return reused ? { reused } : { key: made.key };
}

/** An up-to-date build's result: what the stored build verified, with this build's output and report. */
function reusedResult(plan: BuildPlan, reused: ReusedBuild): Omit<BuildResult, 'timings'> {
  return {
    plan,
    output: plan.output,
    layers: [],
    verify: reused.data.verify,
    diff: reused.data.diff,
    report: reused.html,
    reused,
  };
}

/** What the report needs of the options: the recipe file, and --report when given. */
function reportOptions(options: BuildOptions): { recipePath: string; htmlPath?: string } {
  return { recipePath: options.recipePath, htmlPath: options.reportPath };
}

/** Refuses a build the work directory's file system has no room for, before any work. */
async function checkBuildSpace(plan: BuildPlan, workDir: WorkDir): Promise<void> {
  const estimate = estimateBuildSpace({
    layers: plan.layers.map((l) => ({
      name: l.layer.name,
      unpackedBytes: estimateUnpackedBytes({
        recordedSize: l.layer.recordedSize ?? undefined,
        superblock: l.layer.superblock ?? undefined,
      }),
      squashfsBytes: l.layer.sizeBytes,
    })),
    isoBytes: plan.original.sizeBytes,
  });
  await checkFreeSpace(workDir.root, estimate.totalBytes, describeEstimate(estimate));
}

/**
 * The layer cache (not with --no-cache) and, for a reproducible build (SOURCE_DATE_EPOCH), the
 * records of earlier builds (kept with --no-cache too: without a fixed epoch every build differs in
 * its times, so a comparison would name nothing useful and cost a digest of each layer); neither
 * with ISOFORGE_NO_CACHE, which the test suite sets so that its builds leave the folder alone.
 */
async function openLayerCache(
  config: BuildOptions,
  reproducible: boolean,
): Promise<{ cache?: LayerCache; records?: LayerRecords }> {
  const { use, dir, limitBytes } = config.cache;
  if (use === 'none') return {};
  // A cache folder this user cannot write (another user's, a read-only volume) costs the cache, not the build.
  const writable = await mkdir(dir, { recursive: true })
    .then(() => access(dir, constants.W_OK))
    .then(() => undefined)
    .catch((error: unknown) => (error as Error).message);
  if (writable !== undefined) {
    config.onNotice?.(`layer cache: not used (${writable})`);
    return {};
  }
  const records = reproducible ? new LayerRecords(dir) : undefined;
  return use === 'records' ? { records } : { cache: new LayerCache(dir, limitBytes), records };
}

/** One warning per layer whose bytes differ from an earlier build of the same inputs. */
function describeLayersNotReproducible(layers: readonly BuiltLayer[]): string[] {
  return layers.flatMap(({ name, reproducibility }) =>
    reproducibility && !reproducibility.identical ? [describeNotReproducible(name, reproducibility)] : [],
  );
}

/** The unpacked layers and new files of a build; the log and lock stay. Never through a mount. */
async function removeScratch(workDir: WorkDir): Promise<void> {
  for (const path of workDir.scratch) {
    const checked = await checkRemovable(path, { within: workDir.root });
    if (checked) await runRemoveTree(checked.target);
  }
}
