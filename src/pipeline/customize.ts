import { lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeFullManifest, makeManifestDelta } from '../distro/casper-meta.ts';
import { MountStack } from '../rootfs/mounts.ts';
import { type LayerExtent, mountLayer, openLayerWorkspace } from '../rootfs/overlay.ts';
import { ChrootSession } from '../rootfs/session.ts';
import {
  diffSnapshots,
  readFileIdentities,
  readTreeSnapshot,
  readTreeStates,
  type TreeSnapshot,
  unchangedFiles,
} from '../rootfs/snapshot.ts';
import { executeStepPlan } from '../steps/execute.ts';
import { describeStep, type RecipeStep, stepOf } from '../steps/registry.ts';
import { runDuBytes } from '../tools/coreutils.ts';
import { runDpkgQueryList } from '../tools/dpkg.ts';
import { runMksquashfs } from '../tools/squashfs.ts';
import { hasLiveBootScripts, type LiveBootFiles, saveLiveBootFiles } from './boot-files.ts';
import { checkShadowing } from './shadowing.ts';
import { cleanUpper, RESTORED_FILES, type SavedStates, saveUpperStates } from './cleanup.ts';
import { removeCopiedUpLeftovers } from './copy-up.ts';
import type { LayerPlan } from './plan.ts';
import { makeBlockReuseLayer } from './repack.ts';
import type { MediumLayout } from '../distro/layouts/index.ts';
import type { LayoutInfo } from '../inspect/layout.ts';
import type { WorkDir } from './work-dir.ts';

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
  workDir: WorkDir;
  /** The medium family: which layer the medium boots. */
  layout: MediumLayout;
  /** The input ISO's layers, kernels and initrds. */
  medium: LayoutInfo;
  recipeDir: string;
  signal?: AbortSignal;
  say: (line: string) => void;
  progress: (percent: number) => void;
  /** Layers this build already rebuilt: upper layers stack on the new files. */
  rebuilt: ReadonlyMap<string, string>;
  /** Steps the build adds after the recipe's own (the pool key's `file`). */
  extraSteps?: readonly RecipeStep[];
  /** Reproducible builds: new file times in the layer are clamped to it (mksquashfs). */
  sourceDateEpoch?: number;
}

export function rebase(extent: LayerExtent, rebuilt: ReadonlyMap<string, string>): LayerExtent {
  const file = rebuilt.get(extent.name);
  return file ? { ...extent, file, offset: 0, size: 0 } : extent;
}

/** The chroot's own mounts: never part of a layer's changes. */
const SNAPSHOT_SKIP = ['/proc', '/sys', '/dev', '/run'];

/** Unpack, chroot, run the steps, clean, check shadowing, repack: one layer, start to finish. */
export async function customizeLayer(plan: LayerPlan, context: CustomizeContext): Promise<LayerResult> {
  const { workDir, signal } = context;
  const name = plan.layer.name;
  let fullManifest: string;
  let lowerManifest = '';
  let upper: string;
  const elapsed = makeLapTimer();
  const ancestors = plan.ancestors.map((a) => rebase(a, context.rebuilt));
  {
    await using mounts = await MountStack.open(workDir.root);
    const ws = await openLayerWorkspace({
      dir: workDir.layer(name),
      lowerMountPoint: (lower) => workDir.lower(lower),
      target: plan.extent,
      ancestors,
      mounts,
      signal,
      onProgress: context.progress,
    });
    upper = ws.upper;
    context.say(`unpacked and mounted in ${elapsed()}`);
    const reuse = plan.repack === 'reuse';
    const { snapshot: before, identities } = await readTreeStates(upper, reuse, SNAPSHOT_SKIP);
    const states = await saveUpperStates(upper);
    await runLayerSteps(plan, ws.root, context);
    context.say(`steps done in ${elapsed()}`);
    fullManifest = await readManifest(ws.root, signal);
    if (ws.lowerView) lowerManifest = await readManifest(ws.lowerView, signal);
    const liveBootScripts = await hasLiveBootScripts(ws.root);
    await mounts.unmountAll();
    const after = await readTreeSnapshot(upper, SNAPSHOT_SKIP);
    const { cleaned, changed } = await removeLeftovers(upper, { before, after, states, ancestors });
    const unchanged =
      identities && unchangedFiles(identities, await readFileIdentities(upper, SNAPSHOT_SKIP));
    const shadowed = await findShadowed(plan, changed, workDir, mounts);
    await mounts.unmountAll();
    checkShadowing(plan, shadowed);
    context.say(`${changed.length} paths changed in ${name}; removed ${cleaned.length} build leftovers`);
    const liveBoot = await saveLiveBootFiles({
      layer: name,
      layout: context.layout,
      medium: context.medium,
      upper,
      liveBootScripts,
      changed,
      outDir: workDir.liveBoot(name),
      notice: context.say,
    });
    const squashfs = workDir.newFile(plan.isoPaths.squashfs);
    await mkdir(dirname(squashfs), { recursive: true });
    const sizeBytes = await runDuBytes(upper, signal);
    await packLayer(plan, upper, squashfs, unchanged, context);
    const squashfsBytes = (await stat(squashfs)).size;
    context.say(`cleaned, checked and packed in ${elapsed()}`);
    const manifest = plan.ancestors.length ? makeManifestDelta(lowerManifest, fullManifest) : fullManifest;
    return { plan, name, squashfs, squashfsBytes, manifest, sizeBytes, changed, cleaned, shadowed, liveBoot };
  }
}

/**
 * After the steps, with nothing mounted: the build's own leftovers and copied-up folders removed,
 * then the paths the recipe changed. Files put back as they were (resolv.conf, lock file times)
 * and leftovers removed are not changes.
 */
async function removeLeftovers(
  upper: string,
  tree: { before: TreeSnapshot; after: TreeSnapshot; states: SavedStates; ancestors: LayerExtent[] },
): Promise<{ cleaned: string[]; changed: string[] }> {
  const leftovers = await cleanUpper(upper, tree.before, tree.after, tree.states);
  const copiedUp = await removeCopiedUpLeftovers(upper, tree.before, tree.after, tree.ancestors);
  const cleaned = [...leftovers, ...copiedUp.removed];
  const notChanges = new Set([...cleaned, ...RESTORED_FILES, ...copiedUp.restored]);
  const changed = diffSnapshots(tree.before, tree.after).changed.filter((path) => !notChanges.has(path));
  return { cleaned, changed };
}

/** The layer's new squashfs: block reuse when the plan allows it (unchanged files' blocks copied), else mksquashfs. */
async function packLayer(
  plan: LayerPlan,
  upper: string,
  squashfs: string,
  unchanged: string[] | null,
  context: CustomizeContext,
): Promise<void> {
  if (!unchanged) {
    await runMksquashfs(upper, squashfs, plan.compression, {
      signal: context.signal,
      onProgress: context.progress,
      sourceDateEpoch: context.sourceDateEpoch,
    });
    return;
  }
  const original = { file: plan.extent.file, offset: plan.extent.offset };
  const result = await makeBlockReuseLayer({
    original,
    upper,
    unchanged,
    out: squashfs,
    signal: context.signal,
    sourceDateEpoch: context.sourceDateEpoch,
  });
  context.say(
    `block reuse: blocks of ${result.reusedFiles} unchanged files copied, the rest packed by mksquashfs (${result.deltaBytes} bytes)`,
  );
}

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
async function runLayerSteps(plan: LayerPlan, root: string, context: CustomizeContext): Promise<void> {
  const { signal } = context;
  await using session = await ChrootSession.open(root, context.workDir.root);
  for (const step of [...plan.recipe.steps, ...(context.extraSteps ?? [])]) {
    context.say(`step: ${describeStep(step)}`);
    const { definition, params } = stepOf(step);
    const stepContext = { session, root, recipeDir: context.recipeDir, signal, say: context.say };
    await executeStepPlan(definition.plan(params), stepContext);
  }
  await session.run(APT_CLEAN, { signal });
}

/** Seconds since the previous call: each phase of a layer is logged with its own duration. */
function makeLapTimer(): () => string {
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
  workDir: WorkDir,
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
