import { lstat, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BootResult } from '../boottest/index.ts';
import { bootTestWrittenIso } from '../boottest/output.ts';
import { type BuildCaches, lookUpBuild, openBuildCaches, storeBuild } from '../cache/build-lookup.ts';
import type { ReusedBuild } from '../cache/build-reuse.ts';
import { type BuiltLayer, customizeOrReuse } from '../cache/cached-customize.ts';
import { findChecksumFiles, listChecksummedFiles } from '../distro/checksums.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import { type LayerResult, rebase } from '../layer/customize.ts';
import { extentOf, type LayerPlan } from '../layer/plan.ts';
import { buildPool } from '../medium-plan/pool.ts';
import { makeSigner, type Signer } from '../medium-plan/signing.ts';
import type { LoadedRecipe } from '../recipe/load.ts';
import type { PendingReport } from '../report/files.ts';
import type { ReportData } from '../report/model.ts';
import { type PendingOutput, startWriteback } from '../safety/atomic.ts';
import { type IsoChanges, writeIso } from '../output/write-iso.ts';
import type { ListedFile, WrittenDigests } from '../output/written-digests.ts';
import type { SpliceRequest } from '../output/splice/write-spliced.ts';
import { digestUnderWay, IDENTITY_ALGORITHM, readKnownDigests } from '../layer/file-hash.ts';
import { prepareBuildReport } from '../report/build-report.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import type { RecipeStep } from '../steps/registry.ts';
import type { StageReporter, StageTiming } from '../ui/stages.ts';
import { type PendingIso, verifyWrittenIso } from '../verify/output.ts';
import type { VerifyReport } from '../verify/verify.ts';
import type { BuildOptions } from './config.ts';
import type { BuildPlan } from './plan.ts';
import type { WorkDir } from './work-dir.ts';

/**
 * What the stages of stages.ts hand each other, and each stage's call made from it: stages.ts
 * stays one line per stage.
 */
export interface Build {
  plan: BuildPlan;
  options: BuildOptions;
  workDir: WorkDir;
  /** The output's temporary name: every stage writes there; publish renames it. */
  tempPath: string;
}

/** The pending ISO as verify and the boot tests keep it when they fail. */
function pendingIso(build: Build): PendingIso {
  return { tempPath: build.tempPath, output: build.plan.output, input: build.plan.input };
}

/** One layer customized (or taken from the layer cache), stacked on the layers this build already rebuilt. */
export function customizeOne(
  build: Build,
  layer: LayerPlan,
  done: { layers: readonly BuiltLayer[]; caches: BuildCaches; poolKey?: RecipeStep },
  reporter: StageReporter,
): Promise<BuiltLayer> {
  const extraSteps = layer.trustsPoolKey && done.poolKey ? [done.poolKey] : [];
  const cacheContext = {
    cache: done.caches.cache,
    records: done.caches.records,
    done: done.layers,
    extraSteps,
  };
  return customizeOrReuse(layer, customizeContext(build, done.layers, reporter), cacheContext);
}

function customizeContext(build: Build, done: readonly LayerResult[], reporter: StageReporter) {
  const { plan, options } = build;
  return {
    workDir: build.workDir,
    layout: plan.layout,
    medium: plan.original,
    recipeDir: plan.recipeDir,
    signal: options.signal,
    term: options.terminal.term,
    say: reporter.say,
    progress: reporter.progress,
    sourceDateEpoch: plan.sourceDateEpoch,
    checksumAlgorithms: findChecksumFiles(plan.original.checksumFiles).map((file) => file.algorithm),
    // Upper layers of the same build stack on the layers it already rebuilt.
    rebuilt: new Map(done.map((result) => [result.name, result.squashfs])),
  };
}

/** The offline pool (iso.pool): downloaded in its chain of the layers as this build left them. */
export function buildPoolOf(
  build: Build,
  done: readonly LayerResult[],
  signer: Signer,
  reporter: StageReporter,
) {
  const { plan } = build;
  return buildPool({
    pool: plan.pool as NonNullable<BuildPlan['pool']>,
    input: plan.input,
    extentOf: layerExtents(plan, done),
    signer,
    workDir: build.workDir.pool,
    say: reporter.say,
    signal: build.options.signal,
  });
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

/** From this size of the input on, the files the checksum files list are hashed as xorriso writes them. */
const FOLLOW_WRITE_FROM_BYTES = 512 * 2 ** 20;

/** The new ISO written, the files its checksum files list hashed as they are written (a large medium). */
export async function writeIsoOf(build: Build, changes: IsoChanges, reporter: StageReporter) {
  const { plan } = build;
  const newText = async (isoPath: string) => {
    const replaced = changes.replace.find((file) => file.isoPath === isoPath);
    return replaced ? readFile(replaced.localPath, 'utf8') : plan.mediumFiles.get(isoPath);
  };
  // On a small medium, hashing while it is written costs more (a worker, polling) than reading it again.
  const follow = plan.original.sizeBytes >= FOLLOW_WRITE_FROM_BYTES;
  const listed = follow ? await listChecksummedFiles(plan.original.checksumFiles, newText) : [];
  const splice = await spliceRequest(changes, listed, build.options.keepWorkDir);
  const digests = await writeIso({
    listed: await withIdentities(listed, changes, splice?.isoPath),
    input: plan.input,
    output: build.tempPath,
    changes,
    bootSetup: plan.bootSetup,
    setup: plan.writeSetup.output,
    original: plan.original,
    sourceDateEpoch: plan.sourceDateEpoch,
    signal: build.options.signal,
    onProgress: reporter.progress,
    splice,
    say: reporter.say,
  });
  startWriteback(build.tempPath);
  return digests;
}

/** Below this size xorriso copies a file faster than a splice puts it in place (a spawn, reads of the tree). */
const SPLICE_FROM_BYTES = 8 * 2 ** 20;

/**
 * The largest file the build made (a new layer) is put in place by isoforge, not copied by
 * xorriso; it may become the output itself unless the work dir is kept. Its digests as it was
 * written are taken now, while it is still where it was made.
 */
async function spliceRequest(
  changes: IsoChanges,
  listed: readonly ListedFile[],
  keepWorkDir: boolean,
): Promise<SpliceRequest | undefined> {
  const sized = await Promise.all(
    changes.replace.map(async (file) => ({ file, size: (await lstat(file.localPath)).size })),
  );
  const largest = sized.sort((a, b) => b.size - a.size)[0];
  if (!largest || largest.size < SPLICE_FROM_BYTES) return undefined;
  const { isoPath, localPath } = largest.file;
  const algorithms = listed.find((file) => file.isoPath === isoPath)?.algorithms ?? [];
  const digests: Record<string, Promise<string>> = {};
  for (const algorithm of algorithms) {
    const underWay = await digestUnderWay(localPath, algorithm);
    if (underWay) digests[algorithm] = underWay.digest;
  }
  return { isoPath, disposable: !keepWorkDir, digests };
}

/**
 * A listed file the build wrote and hashed already (a new layer) gets its digests: its extent is
 * then checked by sha256 alone. Not the spliced one: its digests are the splice's, and waiting
 * for them here would hold the write back until its md5 is done.
 */
async function withIdentities(
  listed: ListedFile[],
  changes: IsoChanges,
  spliced: string | undefined,
): Promise<ListedFile[]> {
  return Promise.all(
    listed.map(async (file) => {
      if (file.isoPath === spliced) return file;
      const local = changes.replace.find((entry) => entry.isoPath === file.isoPath)?.localPath;
      const known = local ? await readKnownDigests(local) : {};
      const sha256 = known[IDENTITY_ALGORITHM];
      const complete = sha256 !== undefined && file.algorithms.every((algorithm) => known[algorithm]);
      return complete ? { ...file, identity: { sha256, digests: known } } : file;
    }),
  );
}

export function verifyOutputOf(build: Build, digests: WrittenDigests, reporter: StageReporter) {
  const { plan } = build;
  return verifyWrittenIso({
    iso: pendingIso(build),
    original: plan.original,
    changedSquashfs: plan.layers.map((l) => l.isoPaths.squashfs),
    digests,
    setup: plan.writeSetup.output,
    // The keyring that just signed the layers, so their new signatures are checked, not skipped.
    gnupgHome: plan.sign?.gnupgHome ? resolve(plan.recipeDir, plan.sign.gnupgHome) : undefined,
    signal: build.options.signal,
    say: reporter.say,
  });
}

/** A boot test of the recipe's verify.boot, by its mode (firmware/media). */
export interface BuiltBoot {
  mode: string;
  result: BootResult;
}

export async function bootTestOf(build: Build, mode: string, reporter: StageReporter): Promise<BuiltBoot> {
  const { plan } = build;
  const result = await bootTestWrittenIso({
    iso: pendingIso(build),
    mode,
    checks: plan.recipeVerify ?? { boot: [] },
    bootMenus: plan.medium.bootMenus,
    logDir: build.workDir.bootLogs,
    signal: build.options.signal,
    say: reporter.say,
  });
  return { mode, result };
}

/** What the stages made, for the report and the build cache. */
export interface MadeBuild {
  layers: BuiltLayer[];
  verify: VerifyReport;
  written: IsoReport;
  boots: BuiltBoot[];
  timings: StageTiming[];
}

/** The report of what the stages made, prepared under temporary names beside the output. */
export function prepareReportOf(build: Build, made: MadeBuild) {
  const { plan, options } = build;
  return prepareBuildReport({
    ...made,
    layers: made.layers.map((layer) => ({ ...layer, target: layer.plan.target })),
    plan: { ...plan, setupChanges: plan.writeSetup.changes },
    recipePath: options.recipePath,
    dataPath: build.workDir.report,
    tempPath: build.tempPath,
    htmlPath: options.reportPath,
  });
}

/** The layer and build caches this build may use (BuildConfig.cache). */
export function openCachesOf(build: Build): Promise<BuildCaches> {
  const { options, plan } = build;
  const say = (line: string) => options.onNotice?.(line);
  return openBuildCaches(options.cache, plan.sourceDateEpoch !== undefined, say);
}

/** The build key and the stored build under it; a hit publishes the stored ISO and a new report. */
export function lookUpOf(build: Build, caches: BuildCaches, loaded: LoadedRecipe, output: PendingOutput) {
  const { options, plan } = build;
  return lookUpBuild({
    builds: caches.builds,
    loaded,
    plan,
    reportDataPath: build.workDir.report,
    output,
    recipePath: options.recipePath,
    htmlPath: options.reportPath,
    say: (line) => options.onNotice?.(line),
  });
}

/** An up-to-date build's result: what the stored build verified, with this build's output and report. */
export function reusedResult(plan: BuildPlan, reused: ReusedBuild, timings: StageTiming[]) {
  const { verify, diff } = reused.data;
  return { plan, output: plan.output, layers: [], verify, diff, report: reused.html, reused, timings };
}

/** The recipe's key made ready; signatures carry SOURCE_DATE_EPOCH as their time when it is set. */
export function makeSignerOf(build: Build, reporter: StageReporter): Promise<Signer> {
  const { plan, options } = build;
  const sign = plan.sign as NonNullable<BuildPlan['sign']>;
  return makeSigner(sign, plan.recipeDir, reporter.say, options.signal, plan.sourceDateEpoch);
}

/** The ISO first (it refuses once interrupted), then its report at once: they appear together. */
export async function publish(output: PendingOutput, report: PendingReport): Promise<void> {
  await output.commit();
  await report.commit();
}

/** The published build kept under its key, when it has one. */
export async function storeBuildOf(
  build: Build,
  caches: BuildCaches,
  key: string | undefined,
  made: MadeBuild,
  report: ReportData,
) {
  const { options, plan } = build;
  const say = (line: string) => options.onNotice?.(line);
  for (const evicted of (await rooms.get(caches)) ?? [])
    say(`layer cache: evicted ${evicted} (least recently used)`);
  return storeBuild(caches.builds, key, { iso: plan.output, layers: made.layers, report }, say);
}

/** Evictions under way to make room for a build's ISO, by the build's caches. */
const rooms = new WeakMap<BuildCaches, Promise<string[]>>();

/**
 * Starts evicting what the build cache must lose to take this build's ISO (about the input's
 * size), so that the store at the end finds the room made; a failure there is the store's to report.
 */
export function makeRoomFor(build: Build, caches: BuildCaches): void {
  if (!caches.cache || !caches.builds) return;
  rooms.set(
    caches,
    caches.cache.makeRoom(build.plan.original.sizeBytes).catch(() => []),
  );
}
