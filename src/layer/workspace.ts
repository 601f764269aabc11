import type { EndedStepProcess } from './host.ts';
import type { MediumLayout } from '../distro/layouts/index.ts';
import type { LayoutInfo } from '../inspect/layout.ts';
import type { MountStack } from '../rootfs/mounts.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import type { RecipeStep } from '../steps/registry.ts';
import { type LiveBootFiles, saveLiveBootFiles } from './boot-files.ts';
import type { LayerOutcome, MergedFacts } from './harness.ts';
import type { WorkPaths } from './paths.ts';
import type { LayerPlan } from './plan.ts';

/**
 * What both ways of customizing a layer share (customize-unpacked.ts, customize-mounted.ts): the
 * result and context types, the ancestors as this build has them, and the result's making.
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
  /** Processes the steps left running, ended with their sandboxes (none recorded for a cached layer). */
  ended?: EndedStepProcess[];
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
    boots: plan.boots,
    upper: tree.upper,
    liveBootScripts: tree.facts.liveBootScripts,
    changed: outcome.changed,
    outDir: context.workDir.liveBoot(name),
    notice: context.say,
  });
  return { plan, name, manifest: tree.facts.manifest, liveBoot, ended: tree.facts.ended, ...outcome };
}
