import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeFullManifest, makeManifestDelta } from '../distro/casper-meta.ts';
import type { MountStack } from '../rootfs/mounts.ts';
import { type LayerExtent, type LayerWorkspace, mountLayer } from '../rootfs/overlay.ts';
import { ChrootSession } from '../rootfs/session.ts';
import { executeStepPlan } from '../steps/execute.ts';
import { describeStep, type RecipeStep, stepOf } from '../steps/registry.ts';
import { runDpkgQueryList } from '../tools/dpkg.ts';
import { hasLiveBootScripts, type LiveBootFiles, saveLiveBootFiles } from './boot-files.ts';
import { checkShadowing } from './shadowing.ts';
import type { LayerPlan } from './plan.ts';
import type { MediumLayout } from '../distro/layouts/index.ts';
import type { LayoutInfo } from '../inspect/layout.ts';
import type { WorkPaths } from './paths.ts';

/**
 * What both ways of customizing a layer share (customize-unpacked.ts, customize-mounted.ts): the
 * result and context types, the chroot session that runs the steps, what is read from the merged
 * tree afterwards, and the shadowing check.
 */

export interface LayerResult {
  /** The plan this result was made from. */
  plan: LayerPlan;
  name: string;
  squashfs: string;
  manifest: string;
  sizeBytes: number;
  /** The new squashfs file's size, for the before/after table. */
  squashfsBytes: number;
  changed: string[];
  cleaned: string[];
  shadowed: { path: string; layer: string }[];
  /** A new kernel and initrd for the medium itself (casper/vmlinuz, casper/initrd), when the build made one. */
  liveBoot?: LiveBootFiles;
  /** Taken from the layer cache (layer-cache.ts) instead of customized again. */
  cached?: boolean;
  /** The layer cache's key for this result; layers above fold it into theirs. */
  cacheKey?: string;
}

export interface CustomizeContext {
  workDir: WorkPaths;
  /** The medium family: which layer the medium boots. */
  layout: MediumLayout;
  /** The input ISO's layers, kernels and initrds. */
  medium: LayoutInfo;
  recipeDir: string;
  signal?: AbortSignal;
  /** TERM for a shell step. */
  term: string;
  say: (line: string) => void;
  progress: (percent: number) => void;
  /** Layers this build already rebuilt: upper layers stack on the new files. */
  rebuilt: ReadonlyMap<string, string>;
  /** Steps the build adds after the recipe's own (the pool key's `file`). */
  extraSteps?: readonly RecipeStep[];
  /** Reproducible builds: new file times in the layer are clamped to it (mksquashfs). */
  sourceDateEpoch?: number;
  /** The algorithms of the medium's checksum files (md5, sha256): a new layer is hashed in them ahead. */
  checksumAlgorithms?: readonly string[];
}

export function rebase(extent: LayerExtent, rebuilt: ReadonlyMap<string, string>): LayerExtent {
  const file = rebuilt.get(extent.name);
  return file ? { ...extent, file, offset: 0, size: 0 } : extent;
}

/** The chroot's own mounts: never part of a layer's changes. */
export const SNAPSHOT_SKIP = ['/proc', '/sys', '/dev', '/run'];

/**
 * After the steps: apt's downloaded packages are not shipped. Only when there are some: `apt-get
 * clean` also deletes the image's own pkgcache.bin and resets apt's folders, changes a layer should
 * not show when no step used apt.
 */
export const APT_CLEAN = [
  'sh',
  '-c',
  'command -v apt-get >/dev/null || exit 0; set -- /var/cache/apt/archives/*.deb; [ -e "$1" ] || exit 0; apt-get clean',
];

/** The recipe's steps in one chroot session, then apt's caches emptied; the session is undone even on failure. */
export async function runLayerSteps(plan: LayerPlan, root: string, context: CustomizeContext): Promise<void> {
  const { signal } = context;
  await using session = await ChrootSession.open(root, context.workDir.root);
  for (const step of [...plan.recipe.steps, ...(context.extraSteps ?? [])]) {
    context.say(`step: ${describeStep(step)}`);
    const { definition, params } = stepOf(step);
    const stepContext = {
      session,
      root,
      recipeDir: context.recipeDir,
      signal,
      term: context.term,
      say: context.say,
    };
    await executeStepPlan(definition.plan(params), stepContext);
  }
  await session.run(APT_CLEAN, { signal });
}

/** What both workspace openers take (rootfs/overlay.ts): the layer's folder, its extent and its ancestors. */
export function workspaceFor(plan: LayerPlan, context: CustomizeContext, mounts: MountStack) {
  const { workDir } = context;
  return {
    dir: workDir.layer(plan.layer.name),
    lowerMountPoint: (lower: string) => workDir.lower(lower),
    target: plan.extent,
    ancestors: plan.ancestors.map((a) => rebase(a, context.rebuilt)),
    mounts,
  };
}

/** The steps in the workspace's merged root, then what that tree tells; everything unmounted after. */
export async function runStepsAndReadFacts(
  plan: LayerPlan,
  context: CustomizeContext,
  workspace: { ws: LayerWorkspace; mounts: MountStack; elapsed: () => string },
): Promise<MergedFacts> {
  const { ws, mounts, elapsed } = workspace;
  await runLayerSteps(plan, ws.root, context);
  context.say(`steps done in ${elapsed()}`);
  const facts = await readMergedFacts(plan, ws, context.layout, context.signal);
  await mounts.unmountAll();
  return facts;
}

/** Seconds since the previous call: each phase of a layer is logged with its own duration. */
export function makeLapTimer(): () => string {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    return `${seconds.toFixed(1)}s`;
  };
}

async function readManifest(root: string, signal?: AbortSignal): Promise<string> {
  const status = await lstat(join(root, 'var/lib/dpkg/status')).catch(() => undefined);
  return status ? makeFullManifest(await runDpkgQueryList(root, signal)) : '';
}

/** Changed files that a layer stacked above also carries: the installed system would never see them. */
async function findShadowed(
  plan: LayerPlan,
  changed: readonly string[],
  workDir: WorkPaths,
  mounts: MountStack,
) {
  const shadowed: { path: string; layer: string }[] = [];
  for (const layer of plan.above) {
    const mountPoint = workDir.above(layer.name);
    await mountLayer(mounts, layer, mountPoint);
    for (const path of changed) {
      const info = await lstat(join(mountPoint, path)).catch(() => undefined);
      if (info && !info.isDirectory()) shadowed.push({ path, layer: layer.name });
    }
  }
  return shadowed;
}

/** What the merged tree tells after the steps, read before it is unmounted. */
export interface MergedFacts {
  /** The layer's manifest: dpkg's package list of the merged tree, as a delta over the layers below. */
  manifest: string;
  liveBootScripts: boolean;
}

export async function readMergedFacts(
  plan: LayerPlan,
  ws: LayerWorkspace,
  layout: MediumLayout,
  signal?: AbortSignal,
): Promise<MergedFacts> {
  const full = await readManifest(ws.root, signal);
  const lower = ws.lowerView ? await readManifest(ws.lowerView, signal) : '';
  const manifest = plan.ancestors.length ? makeManifestDelta(lower, full) : full;
  return { manifest, liveBootScripts: await hasLiveBootScripts(ws.root, layout) };
}

/** Fails the build (checkShadowing) when a layer above hides a change the recipe asked for. */
export async function checkChangesVisible(
  plan: LayerPlan,
  changed: readonly string[],
  workDir: WorkPaths,
  mounts: MountStack,
): Promise<{ path: string; layer: string }[]> {
  const shadowed = await findShadowed(plan, changed, workDir, mounts);
  await mounts.unmountAll();
  checkShadowing(plan, shadowed);
  return shadowed;
}

/** What a customized layer ends with, besides the new squashfs file itself. */
export interface LayerOutcome {
  squashfs: string;
  squashfsBytes: number;
  sizeBytes: number;
  changed: string[];
  cleaned: string[];
  shadowed: { path: string; layer: string }[];
}

/**
 * The result of a customized layer; a new kernel in the layer the medium boots is saved for the
 * medium first (read from UPPER, which holds every file the steps wrote).
 */
export async function finishLayer(
  plan: LayerPlan,
  context: CustomizeContext,
  tree: { upper: string; facts: MergedFacts },
  outcome: LayerOutcome,
): Promise<LayerResult> {
  const name = plan.layer.name;
  const liveBoot = await saveLiveBootFiles({
    layer: name,
    layout: context.layout,
    medium: context.medium,
    upper: tree.upper,
    liveBootScripts: tree.facts.liveBootScripts,
    changed: outcome.changed,
    outDir: context.workDir.liveBoot(name),
    notice: context.say,
  });
  return { plan, name, manifest: tree.facts.manifest, liveBoot, ...outcome };
}
