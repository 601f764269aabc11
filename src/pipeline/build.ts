import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { VerifyError } from '../errors.ts';
import { type Firmware, type Media, runBootTest } from '../boottest/index.ts';
import { readRecipe } from '../recipe/load.ts';
import { recoverMounts } from '../rootfs/mounts.ts';
import { prepareOutput } from '../safety/atomic.ts';
import { acquireWorkLock } from '../safety/lock.ts';
import { removeTree } from '../safety/remove.ts';
import {
  checkFreeSpace,
  describeEstimate,
  estimateBuildSpace,
  estimateUnpackedBytes,
} from '../safety/space.ts';
import { openLogFile } from '../ui/log.ts';
import { runStages, type Stage, type StageTiming } from '../ui/stages.ts';
import { type VerifyReport, verifyIso } from '../verify/verify.ts';
import { writeIso, type IsoChanges } from '../output/write-iso.ts';
import { customizeLayer, type LayerResult } from './customize.ts';
import { makeDryRunScript } from './dry-run.ts';
import { makeMetadataChanges } from './metadata.ts';
import { checkPredictedShadowing } from './shadowing.ts';
import { checkBuildTools, checkTerminalSteps } from './tools.ts';
import { makeSigner } from './signing.ts';
import { type BuildPlan, makeBuildPlan } from './plan.ts';
import { WorkDir } from './work-dir.ts';

export const DEFAULT_WORK_DIR = './.isoforge-work';

export interface BuildOptions {
  recipe: string;
  iso?: string;
  out?: string;
  workDir?: string;
  force?: boolean;
  dryRun?: boolean;
  bootSetup?: 'replay' | 'explicit';
  quiet?: boolean;
  /** Keep the unpacked layers after the build, for inspection. */
  keepWorkDir?: boolean;
  signal?: AbortSignal;
  onNotice?: (line: string) => void;
}

export interface BuildResult {
  plan: BuildPlan;
  output: string;
  layers: LayerResult[];
  verify: VerifyReport;
  timings: StageTiming[];
  dryRun?: string;
}

/** The whole remaster as one ordered list of stages; see the README for what each one does. */
export async function runBuild(options: BuildOptions): Promise<BuildResult> {
  const loaded = await readRecipe(options.recipe);
  const workDir = new WorkDir(options.workDir ?? DEFAULT_WORK_DIR);
  const plan = await makeBuildPlan(loaded, options);
  if (!options.dryRun) await checkBuildTools(plan);
  if (!options.dryRun) checkTerminalSteps(plan, Boolean(process.stdin.isTTY));
  await checkPredictedShadowing(plan.layers, options.signal);
  if (options.dryRun) {
    return {
      plan,
      output: plan.output,
      layers: [],
      verify: { ok: true, checks: [] },
      timings: [],
      dryRun: makeDryRunScript(plan, workDir),
    };
  }
  await mkdir(workDir.root, { recursive: true });
  await using _lock = await acquireWorkLock(workDir.root, {
    onMessage: (line: string) => options.onNotice?.(line),
  });
  const leftovers = await recoverMounts(workDir.root);
  if (leftovers.length)
    options.onNotice?.(`undid ${leftovers.length} mounts a killed run left: ${leftovers.join(', ')}`);
  openLogFile(workDir.log);
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
  await mkdir(dirname(plan.output), { recursive: true });
  await using output = await prepareOutput(plan.output, {
    force: options.force ?? false,
    signal: options.signal,
  });
  const state: BuildState = { results: [], changes: undefined, verify: { ok: false, checks: [] } };
  await removeScratch(workDir);
  let timings: StageTiming[];
  try {
    timings = await runStages(makeStages(plan, workDir, output.tempPath, state, options), {
      quiet: options.quiet,
    });
  } finally {
    if (!options.keepWorkDir) await removeScratch(workDir);
  }
  await output.commit();
  return { plan, output: plan.output, layers: state.results, verify: state.verify, timings };
}

/** The unpacked layers and new files of a build; the log and lock stay. Never through a mount. */
async function removeScratch(workDir: WorkDir): Promise<void> {
  for (const path of workDir.scratch) await removeTree(path, { within: workDir.root });
}

type BuildState = { results: LayerResult[]; changes: IsoChanges | undefined; verify: VerifyReport };

function makeStages(
  plan: BuildPlan,
  workDir: WorkDir,
  tempPath: string,
  state: BuildState,
  options: BuildOptions,
): Stage[] {
  return [
    ...customizeStages(plan, workDir, state, options.signal),
    ...outputStages(plan, workDir, tempPath, state, options.signal),
    ...bootStages(plan, workDir, tempPath, options),
  ];
}

function customizeStages(
  plan: BuildPlan,
  workDir: WorkDir,
  state: BuildState,
  signal?: AbortSignal,
): Stage[] {
  const rebuilt = new Map<string, string>();
  return plan.layers.map((layer) => ({
    title: `customize layer ${layer.layer.name}`,
    run: async (reporter) => {
      const context = {
        workDir,
        layout: plan.layout,
        medium: plan.original,
        recipeDir: plan.recipeDir,
        signal,
        say: reporter.say,
        progress: reporter.progress,
        rebuilt,
      };
      const result = await customizeLayer(layer, context);
      rebuilt.set(result.name, result.squashfs);
      state.results.push(result);
    },
  }));
}

function outputStages(
  plan: BuildPlan,
  workDir: WorkDir,
  tempPath: string,
  state: BuildState,
  signal?: AbortSignal,
): Stage[] {
  return [
    {
      title: 'update manifests, sizes, install sources and checksum files',
      run: async (reporter) => {
        const signer = plan.sign
          ? await makeSigner(plan.sign, plan.recipeDir, reporter.say, signal)
          : undefined;
        state.changes = await makeMetadataChanges(plan, state.results, workDir, reporter.say, signer);
      },
    },
    {
      title: `write the ISO (boot setup: ${plan.bootSetup})`,
      run: async (reporter) => {
        const changes = state.changes ?? { replace: [], remove: [] };
        await writeIso({
          input: plan.input,
          output: tempPath,
          changes,
          bootSetup: plan.bootSetup,
          signal,
          onProgress: reporter.progress,
        });
      },
    },
    {
      title: 'verify the new ISO against the original',
      run: async (reporter) => {
        const changedSquashfs = plan.layers.map((l) => l.layer.path);
        // The keyring that just signed the layers, so their new signatures are checked, not skipped.
        const gnupgHome = plan.sign?.gnupgHome ? resolve(plan.recipeDir, plan.sign.gnupgHome) : undefined;
        state.verify = await verifyIso({
          output: tempPath,
          original: plan.input,
          changedSquashfs,
          gnupgHome,
          signal,
        });
        for (const check of state.verify.checks) reporter.say(`${check.ok ? 'ok' : 'FAIL'} ${check.name}`);
        const failed = state.verify.checks.filter((c) => !c.ok);
        if (failed.length)
          throw new VerifyError(
            `the new ISO failed verification: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`,
          );
      },
    },
  ];
}

function bootStages(plan: BuildPlan, workDir: WorkDir, iso: string, options: BuildOptions): Stage[] {
  const recipeVerify = plan.recipeVerify;
  if (!recipeVerify?.boot.length) return [];
  return recipeVerify.boot.map((mode) => ({
    title: `boot-test ${mode}`,
    run: async (reporter) => {
      const [firmware, media = 'cdrom'] = mode.split('/') as [Firmware, Media?];
      const result = await runBootTest({
        iso,
        firmware,
        media,
        expect: recipeVerify.expect ? new RegExp(recipeVerify.expect) : undefined,
        logDir: workDir.bootLogs,
        signal: options.signal,
      });
      reporter.say(`${mode}: ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds.toFixed(1)}s`);
      if (!result.passed) throw new VerifyError(`boot test ${mode} failed; console log: ${result.logFile}`);
    },
  }));
}
