import { resolve } from 'node:path';
import {
  type BootResult,
  describeEnd,
  type Firmware,
  type Media,
  menuTimeoutSeconds,
  runBootTest,
} from '../boottest/index.ts';
import { findChecksumFiles } from '../distro/checksums.ts';
import { VerifyError } from '../errors.ts';
import { writeIso } from '../output/write-iso.ts';
import { keepUnverified, unverifiedPathFor } from '../safety/atomic.ts';
import type { StageReporter, StageRunner } from '../ui/stages.ts';
import { describeCheck, type VerifyReport, verifyIso } from '../verify/verify.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import { type BuiltLayer, customizeOrReuse } from '../cache/cached-customize.ts';
import { type LayerResult, rebase } from '../layer/customize.ts';
import type { LayerCache } from '../cache/layer-cache.ts';
import type { LayerRecords } from '../cache/layer-records.ts';
import { buildPool, poolKeyStep } from '../medium-plan/pool.ts';
import { writeMediumChanges } from '../medium-plan/write.ts';
import { makeMetadataChanges } from '../medium-plan/metadata.ts';
import { type BuildPlan } from './plan.ts';
import { extentOf } from '../layer/plan.ts';
import { inspectIso, type IsoReport } from '../inspect/inspect.ts';
import { makeSigner } from '../medium-plan/signing.ts';
import type { WorkDir } from './work-dir.ts';

export interface BuiltStages {
  layers: BuiltLayer[];
  verify: VerifyReport;
  /** The written ISO as inspected once, under its temporary name: verify, diff and the report share it. */
  written: IsoReport;
  /** Each boot test of the recipe's verify.boot, by its mode (firmware/media). */
  boots: { mode: string; result: BootResult }[];
}

export interface StageInputs {
  plan: BuildPlan;
  workDir: WorkDir;
  /** Where the new ISO is written; renamed to the output only after every stage passed. */
  tempPath: string;
  signal?: AbortSignal;
  /** Finished layers from earlier builds; undefined with --no-cache. */
  cache?: LayerCache;
  /** What earlier builds made of each layer key; undefined with ISOFORGE_NO_CACHE. */
  records?: LayerRecords;
  /** TERM for a shell step (BuildConfig.terminal). */
  term: string;
}

/**
 * The build's stages in order, each a typed function of what the ones before it made; every
 * stage is timed by STAGES. This list is the build: a new stage is one more line here.
 */
export async function runBuildStages(inputs: StageInputs, stages: StageRunner): Promise<BuiltStages> {
  const { plan } = inputs;
  const signer = plan.sign
    ? await stages.run('prepare the signing key', (reporter) => prepareSigner(inputs, reporter))
    : undefined;
  const poolKey = plan.pool && signer ? await poolKeyStep(signer, inputs.signal) : undefined;
  const layers: BuiltLayer[] = [];
  for (const layer of plan.layers) {
    const extraSteps = layer.trustsPoolKey && poolKey ? [poolKey] : [];
    const cacheContext = { cache: inputs.cache, records: inputs.records, done: layers, extraSteps };
    layers.push(
      await stages.run(`customize layer ${layer.layer.name}`, (reporter) =>
        customizeOrReuse(layer, customizeContext(inputs, layers, reporter), cacheContext),
      ),
    );
  }
  const mediumChanges = await stages.run('change the medium (menus, files, seed)', (reporter) =>
    writeMediumChanges(plan.medium, inputs.workDir, reporter.say),
  );
  if (plan.pool && signer) {
    const pool = plan.pool;
    const files = await stages.run('build the offline pool', (reporter) =>
      buildPool({
        pool,
        input: plan.input,
        extentOf: layerExtents(plan, layers),
        signer,
        workDir: inputs.workDir.pool,
        say: reporter.say,
        signal: inputs.signal,
      }),
    );
    mediumChanges.replace.push(...files);
  }
  const changes = await stages.run(
    'update manifests, sizes, install sources and checksum files',
    (reporter) => makeMetadataChanges(plan, layers, mediumChanges, inputs.workDir, reporter.say, signer),
  );
  await stages.run(`write the ISO (boot setup: ${inputs.plan.bootSetup})`, (reporter) =>
    writeIso({
      input: inputs.plan.input,
      output: inputs.tempPath,
      changes,
      bootSetup: inputs.plan.bootSetup,
      setup: inputs.plan.writeSetup.output,
      original: inputs.plan.original,
      sourceDateEpoch: inputs.plan.sourceDateEpoch,
      signal: inputs.signal,
      onProgress: reporter.progress,
    }),
  );
  const { verify, written } = await stages.run('verify the new ISO against the original', (reporter) =>
    verifyOutput(inputs, reporter),
  );
  return { layers, verify, written, boots: await runBootTests(inputs, stages) };
}

/** One stage per boot the recipe's verify.boot asks for, in its order. */
async function runBootTests(inputs: StageInputs, stages: StageRunner): Promise<BuiltStages['boots']> {
  const boots: BuiltStages['boots'] = [];
  for (const mode of inputs.plan.recipeVerify?.boot ?? [])
    boots.push({
      mode,
      result: await stages.run(`boot-test ${mode}`, (reporter) => bootTestOutput(inputs, mode, reporter)),
    });
  return boots;
}

/** The recipe's key made ready; signatures carry SOURCE_DATE_EPOCH as their time when it is set. */
function prepareSigner(inputs: StageInputs, reporter: StageReporter) {
  const { plan } = inputs;
  const sign = plan.sign as NonNullable<BuildPlan['sign']>;
  return makeSigner(sign, plan.recipeDir, reporter.say, inputs.signal, plan.sourceDateEpoch);
}

function customizeContext(inputs: StageInputs, done: readonly LayerResult[], reporter: StageReporter) {
  return {
    workDir: inputs.workDir,
    layout: inputs.plan.layout,
    medium: inputs.plan.original,
    recipeDir: inputs.plan.recipeDir,
    signal: inputs.signal,
    term: inputs.term,
    say: reporter.say,
    progress: reporter.progress,
    sourceDateEpoch: inputs.plan.sourceDateEpoch,
    checksumAlgorithms: findChecksumFiles(inputs.plan.original.checksumFiles).map((file) => file.algorithm),
    // Upper layers of the same build stack on the layers it already rebuilt.
    rebuilt: new Map(done.map((result) => [result.name, result.squashfs])),
  };
}

/** Each layer of the input as the build left it: rebuilt ones from their new squashfs. */
function layerExtents(plan: BuildPlan, done: readonly LayerResult[]): (name: string) => LayerExtent {
  const rebuilt = new Map(done.map((result) => [result.name, result.squashfs]));
  return (name) => {
    const layer = plan.original.layers.find((l) => l.name === name);
    if (!layer) throw new Error(`no layer ${name} on the input`);
    return rebase(extentOf(plan.input, layer), rebuilt);
  };
}

/** Checks the written ISO; a failure keeps it as NAME.unverified.iso instead of throwing it away. */
async function verifyOutput(
  inputs: StageInputs,
  reporter: StageReporter,
): Promise<{ verify: VerifyReport; written: IsoReport }> {
  const { plan, signal } = inputs;
  // The keyring that just signed the layers, so their new signatures are checked, not skipped.
  const gnupgHome = plan.sign?.gnupgHome ? resolve(plan.recipeDir, plan.sign.gnupgHome) : undefined;
  const written = await inspectIso(inputs.tempPath).catch(async (error: unknown) => {
    throw await keepUnverifiedIso(inputs, `the new ISO cannot be read: ${(error as Error).message}`, error);
  });
  const report = await verifyIso({
    output: inputs.tempPath,
    outputReport: written,
    original: plan.input,
    originalReport: plan.original,
    changedSquashfs: plan.layers.map((l) => l.isoPaths.squashfs),
    setup: plan.writeSetup.output,
    gnupgHome,
    signal,
  }).catch(async (error: unknown) => {
    signal?.throwIfAborted();
    throw await keepUnverifiedIso(inputs, `verification could not run: ${(error as Error).message}`, error);
  });
  for (const check of report.checks) reporter.say(describeCheck(check));
  const failed = report.checks.filter((c) => c.outcome === 'failed');
  if (failed.length) {
    signal?.throwIfAborted();
    const reasons = failed.map((c) => `${c.name} (${c.detail})`).join('; ');
    throw await keepUnverifiedIso(inputs, `the new ISO failed verification: ${reasons}`);
  }
  return { verify: report, written };
}

/** Boots the new ISO in MODE (firmware/media); a failure also keeps the ISO, with the console log named. */
async function bootTestOutput(
  inputs: StageInputs,
  mode: string,
  reporter: StageReporter,
): Promise<BootResult> {
  const [firmware, media = 'cdrom'] = mode.split('/') as [Firmware, Media?];
  const expect = inputs.plan.recipeVerify?.expect;
  const result = await runBootTest({
    iso: inputs.tempPath,
    firmware,
    media,
    expect: expect ? new RegExp(expect) : undefined,
    // The menus as the plan edited them say how long the new medium waits.
    menuTimeoutSeconds: menuTimeoutSeconds({ bootMenus: inputs.plan.medium.bootMenus }),
    timeoutSeconds: inputs.plan.recipeVerify?.timeout,
    logDir: inputs.workDir.bootLogs,
    signal: inputs.signal,
  });
  reporter.say(`${mode}: ${describeEnd(result)} in ${result.seconds.toFixed(1)}s`);
  if (result.passed) return result;
  inputs.signal?.throwIfAborted();
  throw await keepUnverifiedIso(
    inputs,
    `boot test ${mode} failed (${describeEnd(result)}); console log: ${result.logFile}`,
  );
}

/** Keeps a finished ISO that did not verify beside the output and says how to check it again. */
async function keepUnverifiedIso(
  inputs: StageInputs,
  problem: string,
  cause?: unknown,
): Promise<VerifyError> {
  const { plan } = inputs;
  const kept = await keepUnverified(inputs.tempPath, unverifiedPathFor(plan.output));
  return new VerifyError(
    `${problem}; the unverified ISO is kept as ${kept}; check it again with: isoforge verify ${kept} --original ${plan.input}`,
    { cause },
  );
}
