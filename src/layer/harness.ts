import { join } from 'node:path';
import { type LayerExtent, layerMount, overlayMount } from '../rootfs/overlay.ts';
import { diffSnapshots } from '../rootfs/snapshot.ts';
import { REBUILD_REQUESTED_INITRAMFS } from '../steps/initramfs.ts';
import type { RecipeStep } from '../steps/registry.ts';
import { RESTORED_FILES } from './cleanup.ts';
import type { EndedStepProcess, LayerHost } from './host.ts';
import type { WorkPaths } from './paths.ts';
import type { LayerPlan } from './plan.ts';
import { checkShadowing } from './shadowing.ts';

/**
 * The layer's harness, written once for the build and for `build --dry-run`: the build runs it on
 * host-exec.ts, the dry-run prints it through host-print.ts.
 */

/**
 * After the steps: apt's downloaded packages are not shipped. Only when there are some: `apt-get
 * clean` also deletes the image's own pkgcache.bin and resets apt's folders, changes a layer should
 * not show when no step used apt. When the build's shared download folder is bound over the archives
 * (another device than its parent) the packages are not in the layer, and are not deleted.
 */
const APT_CLEAN = [
  'sh',
  '-c',
  [
    'command -v apt-get >/dev/null || exit 0',
    'archives=/var/cache/apt/archives',
    '[ "$(stat -c %d $archives)" = "$(stat -c %d $archives/..)" ] || exit 0',
    'set -- $archives/*.deb; [ -e "$1" ] || exit 0; apt-get clean',
  ].join('; '),
];

/** What the merged tree tells after the steps, read before it is unmounted. */
export interface MergedFacts {
  /** The layer's manifest: dpkg's package list of the merged tree, as a delta over the layers below. */
  manifest: string;
  liveBootScripts: boolean;
  /** What the steps left running, ended with their sandboxes. */
  ended: EndedStepProcess[];
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

/** The merged root the steps run in, and the layers below merged read-only (none for a base layer). */
export interface StepsTree {
  root: string;
  lowerView: string | undefined;
}

/**
 * The steps in one chroot on TREE's root, then apt's caches emptied when a step ran a program there
 * (the session is undone even on failure), then what the merged tree tells.
 */
export async function runStepsAndReadFacts(
  host: LayerHost,
  plan: LayerPlan,
  tree: StepsTree & { steps: readonly RecipeStep[] },
): Promise<MergedFacts> {
  const ended: EndedStepProcess[] = [];
  {
    await using chroot = await host.openChroot(tree.root);
    for (const step of tree.steps) ended.push(...(await chroot.runStep(step)));
    await chroot.runIfOpened(REBUILD_REQUESTED_INITRAMFS);
    await chroot.runIfOpened(APT_CLEAN);
  }
  return {
    manifest: await host.readManifest(plan, tree.root, tree.lowerView),
    liveBootScripts: await host.hasLiveBootScripts(tree.root),
    ended,
  };
}

/** Fails the build (checkShadowing) when a layer above hides a change the recipe asked for. */
export async function checkChangesVisible(host: LayerHost, plan: LayerPlan, changed: readonly string[]) {
  const shadowed = await host.findShadowed(plan, changed);
  checkShadowing(plan, shadowed);
  return shadowed;
}

/** What the unpacked harness works on. */
export interface UnpackedInput {
  workDir: WorkPaths;
  /** The layers below, as this build has them (a layer it already rebuilt: its new file). */
  ancestors: readonly LayerExtent[];
  steps: readonly RecipeStep[];
}

/**
 * A full repack of a layer: unpacked, made the upper dir of an overlay over its ancestors (each
 * mounted read-only in place), the steps run in the merged root, the build's traces cleaned out of
 * the upper dir, then packed again whole by mksquashfs.
 */
export async function customizeUnpackedOn(
  host: LayerHost,
  plan: LayerPlan,
  input: UnpackedInput,
): Promise<{ outcome: LayerOutcome; facts: MergedFacts; upper: string }> {
  const { workDir } = input;
  const dir = workDir.layer(plan.layer.name);
  const upper = join(dir, 'upper');
  await host.mkdir(dir);
  await host.unpack(plan.extent, upper);
  const tree = await stackOverAncestors(host, { dir, upper, ancestors: input.ancestors, workDir });
  const before = await host.snapshot(upper, 'before');
  const states = await host.saveStates(upper);
  const facts = await runStepsAndReadFacts(host, plan, { ...tree, steps: input.steps });
  if (tree.root !== upper) await host.unmount(tree.root);
  const after = await host.snapshot(upper, 'after');
  const leftovers = await host.cleanUpper(upper, { before, after, states });
  const lowers = { ancestors: input.ancestors, lowerView: tree.lowerView };
  const copiedUp = await host.removeCopiedUp(upper, { before, after, states, ...lowers });
  await host.unmountAll();
  const cleaned = [...leftovers, ...copiedUp.removed];
  // Files put back as they were (resolv.conf, lock file times) and leftovers removed are not changes.
  const notChanges = new Set([...cleaned, ...RESTORED_FILES, ...copiedUp.restored]);
  const changed = diffSnapshots(before, after).changed.filter((path) => !notChanges.has(path));
  const shadowed = await checkChangesVisible(host, plan, changed);
  host.note(
    `${changed.length} paths changed in ${plan.layer.name}; removed ${cleaned.length} build leftovers`,
  );
  const sizeBytes = await host.measureSize(upper, workDir.newFile(plan.isoPaths.size));
  const squashfs = workDir.newFile(plan.isoPaths.squashfs);
  const squashfsBytes = await host.pack(upper, squashfs, plan.compression);
  return { outcome: { squashfs, squashfsBytes, sizeBytes, changed, cleaned, shadowed }, facts, upper };
}

/**
 * The ancestors mounted in place, merged read-only (the manifest delta's "before"), then UPPER
 * stacked over them as the root the steps run in: mounted last, so it is unmounted first.
 */
async function stackOverAncestors(
  host: LayerHost,
  layer: { dir: string; upper: string; ancestors: readonly LayerExtent[]; workDir: WorkPaths },
): Promise<StepsTree> {
  const { dir, upper, workDir } = layer;
  const lowerDirs: string[] = [];
  for (const ancestor of layer.ancestors) {
    const at = workDir.lower(ancestor.name);
    await host.mkdir(at);
    await host.mount(layerMount(ancestor, at));
    lowerDirs.unshift(at);
  }
  if (!lowerDirs.length) return { root: upper, lowerView: undefined };
  let lowerView = lowerDirs[0];
  if (lowerDirs.length > 1) {
    lowerView = join(dir, 'lower-view');
    await host.mkdir(lowerView);
    await host.mount(overlayMount(lowerView, lowerDirs));
  }
  const root = join(dir, 'merged');
  const work = join(dir, 'work');
  await host.mkdir(root);
  await host.mkdir(work);
  await host.mount(overlayMount(root, lowerDirs, { upper, work }));
  return { root, lowerView };
}
