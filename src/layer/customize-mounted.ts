import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MountStack } from '../rootfs/mounts.ts';
import { type DeltaWorkspace, mountChangedLayer, openDeltaWorkspace } from '../rootfs/overlay.ts';
import { removeUntouchedSeeds } from '../rootless/capability-seeds.ts';
import { lookupInStack } from '../squashfs/overlay.ts';
import type { SquashfsImage } from '../squashfs/read.ts';
import { openStack } from '../squashfs/stack.ts';
import { runMksquashfs } from '../tools/squashfs.ts';
import { startWriteback } from '../safety/atomic.ts';
import { cleanDeltaUpper } from './delta-cleanup.ts';
import { hashAhead, hashWhileWriting, IDENTITY_ALGORITHM } from './file-hash.ts';
import { relinkCopiedUpHardLinks } from './hard-links.ts';
import { checkChangesVisible, runStepsAndReadFacts } from './harness.ts';
import { ExecutingHost } from './host-exec.ts';
import {
  type CustomizeContext,
  finishLayer,
  type LayerResult,
  makeLapTimer,
  workspaceFor,
} from './workspace.ts';
import type { LayerPlan } from './plan.ts';
import { makeBlockReuseLayer, measureLayerChanges } from './repack.ts';

/**
 * A layer customized without unpacking it: the layer, mounted read-only straight from the ISO, is
 * the top lowerdir of an overlay with an empty upper dir; the steps run in it; the upper dir then
 * holds exactly their changes. A block-reuse repack (the default) packs only those and folds them
 * into the layer, every untouched file keeping its compressed blocks; a full repack of a base
 * layer (no ancestors) packs the overlay's merged view whole, which spares the unpack a full
 * repack of an upper layer needs (customize-unpacked.ts).
 */
export async function customizeOverMount(plan: LayerPlan, context: CustomizeContext): Promise<LayerResult> {
  const { workDir } = context;
  const name = plan.layer.name;
  const elapsed = makeLapTimer();
  await using host = await ExecutingHost.open(context);
  const { mounts } = host;
  const target = workspaceFor(plan, context, mounts);
  const { ancestors } = target;
  // The layer and its ancestors read in place (top first): for rootless seeds, then the fold.
  const stack = await openStack([...ancestors, plan.extent]);
  try {
    const ws = await openDeltaWorkspace({ ...target, stack });
    context.say(`mounted over the layer in ${elapsed()} (nothing unpacked)`);
    const steps = [...plan.recipe.steps, ...(context.extraSteps ?? [])];
    const tree = { root: ws.root, lowerView: ws.lowerView ?? undefined, steps };
    const facts = await runStepsAndReadFacts(host, plan, tree);
    context.say(`steps done in ${elapsed()}`);
    await host.unmountAll();
    const unseeded = await removeUntouchedSeeds(ws.upper, ws.seeds);
    if (unseeded.length)
      context.say(`file capabilities kept in place: ${unseeded.length} seeded files no step touched`);
    const [layer, ...below] = stack.map((image) => image.root);
    const cleaned = await cleanDeltaUpper(ws.upper, {
      inLayer: (path) => lookupInStack([layer!], path),
      inStack: (path) => lookupInStack([layer!, ...below], path),
    });
    const relinked = await relinkCopiedUpHardLinks(ws.upper, ws.overlayIndex, layer!);
    if (relinked.length) context.say(`hard links of the layer kept whole: ${relinked.join(', ')}`);
    const squashfs = workDir.newFile(plan.isoPaths.squashfs);
    await mkdir(dirname(squashfs), { recursive: true });
    const pack = plan.repack === 'full' ? packMergedView : packByBlockReuse;
    const packed = await pack({ plan, context, ws, mounts, stack, squashfs });
    const { changed } = packed;
    const shadowed = await checkChangesVisible(host, plan, changed);
    context.say(`${changed.length} paths changed in ${name}; removed ${cleaned.length} build leftovers`);
    const squashfsBytes = (await stat(squashfs)).size;
    context.say(`cleaned, checked and packed in ${elapsed()}`);
    const sizeBytes = unpackedSize(plan.layer.recordedSize, packed.unpackedBytes);
    const outcome = { squashfs, squashfsBytes, sizeBytes, changed, cleaned, shadowed };
    return await finishLayer(plan, context, { upper: ws.upper, facts }, outcome);
  } finally {
    for (const image of stack) await image.close();
  }
}

interface PackInput {
  plan: LayerPlan;
  context: CustomizeContext;
  ws: DeltaWorkspace;
  mounts: MountStack;
  /** The layer, then its ancestors top first, opened in place. */
  stack: SquashfsImage[];
  squashfs: string;
}

interface Packed {
  changed: string[];
  unpackedBytes: { before: number; after: number };
}

/** The layer by block reuse, hashed for the medium's checksum files as it is written. */
async function packByBlockReuse({ context, ws, stack, squashfs }: PackInput): Promise<Packed> {
  const result = await hashWhileWriting(squashfs, context.checksumAlgorithms ?? [], () =>
    makeBlockReuseLayer({
      layer: stack[0]!,
      below: stack.slice(1),
      upper: ws.upper,
      out: squashfs,
      signal: context.signal,
      sourceDateEpoch: context.sourceDateEpoch,
    }),
  );
  context.say(
    `block reuse: blocks of ${result.reusedFiles} unchanged files copied, the changes packed by mksquashfs (${result.deltaBytes} bytes)`,
  );
  // The new layer goes to disk while the build goes on: it becomes the output (output/splice/) or
  // the layer cache's copy, so the disk would write it anyway, later and in the build's way.
  startWriteback(squashfs);
  return result;
}

/** A full repack of a base layer: mksquashfs reads the layer and its changes through the overlay. */
async function packMergedView({ plan, context, ws, mounts, stack, squashfs }: PackInput): Promise<Packed> {
  const { signal } = context;
  const view = await mountChangedLayer(workspaceFor(plan, context, mounts));
  await runMksquashfs(view, squashfs, plan.compression, {
    signal,
    onProgress: context.progress,
    sourceDateEpoch: context.sourceDateEpoch,
  });
  // The mounts take a while to undo (the loop device lets go of the layer's cached pages): the
  // changes are measured and the new layer hashed for the checksum files in the meantime.
  const tempIn = dirname(squashfs);
  const settled = Promise.allSettled([
    mounts.unmountAll(),
    measureLayerChanges({ layer: stack[0]!, below: stack.slice(1), upper: ws.upper, tempIn, signal }),
  ]);
  const algorithms = context.checksumAlgorithms ?? [];
  if (algorithms.length)
    await hashAhead(squashfs, [...algorithms, IDENTITY_ALGORITHM]).catch(() => undefined);
  const [unmounted, measured] = await settled;
  if (unmounted.status === 'rejected') throw unmounted.reason;
  if (measured.status === 'rejected') throw measured.reason;
  return measured.value;
}

/**
 * The .size sidecar's new value: the medium's own figure (du on the machine that made it) moved by
 * what the changes add or take, as reckoned from the trees, so a change that allocates nothing new
 * leaves it as it was; the reckoning alone when the medium has no figure.
 */
function unpackedSize(recorded: number | null, estimate: { before: number; after: number }): number {
  return recorded === null ? estimate.after : recorded + estimate.after - estimate.before;
}
