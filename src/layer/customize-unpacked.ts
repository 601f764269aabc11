import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MountStack } from '../rootfs/mounts.ts';
import { type LayerExtent, openLayerWorkspace } from '../rootfs/overlay.ts';
import { diffSnapshots, readTreeSnapshot, type TreeSnapshot } from '../rootfs/snapshot.ts';
import { runDuBytes } from '../tools/coreutils.ts';
import { runMksquashfs } from '../tools/squashfs.ts';
import { cleanUpper, RESTORED_FILES, type SavedStates, saveUpperStates } from './cleanup.ts';
import { removeCopiedUpLeftovers } from './copy-up.ts';
import {
  checkChangesVisible,
  type CustomizeContext,
  finishLayer,
  type LayerResult,
  makeLapTimer,
  runStepsAndReadFacts,
  SNAPSHOT_SKIP,
  workspaceFor,
} from './workspace.ts';
import type { LayerPlan } from './plan.ts';

/**
 * A full repack (`repack: full`, or a changed compression) of a layer with ancestors: the layer is
 * unpacked, is the upper dir of the overlay the steps run in, and is packed again whole by
 * mksquashfs. (A base layer is packed from a merged view instead: customize-mounted.ts.)
 */
export async function customizeUnpacked(plan: LayerPlan, context: CustomizeContext): Promise<LayerResult> {
  const { workDir, signal } = context;
  const name = plan.layer.name;
  const elapsed = makeLapTimer();
  await using mounts = await MountStack.open(workDir.root);
  const target = workspaceFor(plan, context, mounts);
  const ws = await openLayerWorkspace({ ...target, signal, onProgress: context.progress });
  const upper = ws.upper;
  context.say(`unpacked and mounted in ${elapsed()}`);
  const before = await readTreeSnapshot(upper, SNAPSHOT_SKIP);
  const states = await saveUpperStates(upper);
  const facts = await runStepsAndReadFacts(plan, context, { ws, mounts, elapsed });
  const after = await readTreeSnapshot(upper, SNAPSHOT_SKIP);
  const { cleaned, changed } = await removeLeftovers(upper, {
    before,
    after,
    states,
    ancestors: target.ancestors,
  });
  const shadowed = await checkChangesVisible(plan, changed, workDir, mounts);
  context.say(`${changed.length} paths changed in ${name}; removed ${cleaned.length} build leftovers`);
  const squashfs = workDir.newFile(plan.isoPaths.squashfs);
  await mkdir(dirname(squashfs), { recursive: true });
  const sizeBytes = await runDuBytes(upper, signal);
  await runMksquashfs(upper, squashfs, plan.compression, {
    signal,
    onProgress: context.progress,
    sourceDateEpoch: context.sourceDateEpoch,
  });
  const squashfsBytes = (await stat(squashfs)).size;
  context.say(`cleaned, checked and packed in ${elapsed()}`);
  const outcome = { squashfs, squashfsBytes, sizeBytes, changed, cleaned, shadowed };
  return finishLayer(plan, context, { upper, facts }, outcome);
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
