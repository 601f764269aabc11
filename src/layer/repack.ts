import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FormatError } from '../errors.ts';
import { fragmentReuse, type FragmentReuse, indexFiles } from '../squashfs/graft.ts';
import type { DirectoryNode } from '../squashfs/model.ts';
import { isRootless } from '../rootless/mode.ts';
import { adoptUserOverlayMarks, applyOverlayUpper, lookupInStack } from '../squashfs/overlay.ts';
import { estimateUnpackedBytes } from '../squashfs/usage.ts';
import { openSquashfs, type SquashfsImage } from '../squashfs/read.ts';
import { writeSquashfs, type WriteSquashfsResult } from '../squashfs/write.ts';
import { runMksquashfs } from '../tools/squashfs.ts';
import { copyFileRanges } from '../tools/xfs-io.ts';
import { compressorArgsFor } from './compressor-args.ts';

export interface BlockReuseOptions {
  /** The layer as it was, opened in place in the ISO. */
  layer: SquashfsImage;
  /** The layers below it, top first (openStack): where a whiteout must stay. */
  below: readonly SquashfsImage[];
  /** The overlayfs upper dir the steps wrote into over the mounted original (openDeltaWorkspace). */
  upper: string;
  out: string;
  signal?: AbortSignal;
  processors?: number;
  /** SOURCE_DATE_EPOCH: the delta's (and so the new layer's) creation time, new files' times clamped. */
  sourceDateEpoch?: number;
}

export interface BlockReuseResult {
  /** Files whose blocks were copied from the original layer. */
  reusedFiles: number;
  /** Size of the delta image mksquashfs made of the upper dir. */
  deltaBytes: number;
  /** Paths the upper dir changed in the layer (overlay.ts applyOverlayUpper). */
  changed: string[];
  /** The layer's size unpacked, as du would count it, before and after (its .size sidecar). */
  unpackedBytes: { before: number; after: number };
  fragments: FragmentReuse;
  write: WriteSquashfsResult;
}

/**
 * A new layer that keeps the original's compressor and block size without unpacking or
 * recompressing what did not change: mksquashfs packs the overlay's upper dir (only what the steps
 * wrote, whiteouts included) into a small delta image, its tree is folded into the original's
 * (overlay.ts), and the TypeScript writer writes the result, copying the blocks of every file the
 * upper dir did not replace verbatim from the original.
 */
export async function makeBlockReuseLayer(options: BlockReuseOptions): Promise<BlockReuseResult> {
  const original = options.layer;
  const { compressor, blockSize, compressorOptions } = original.info;
  const compressorArgs = compressorArgsFor(compressor, compressorOptions);
  if (!compressorArgs) throw compressorOptionsError();
  const temp = await mkdtemp(join(dirname(options.out), '.block-reuse-'));
  try {
    const deltaFile = join(temp, 'delta.squashfs');
    await runMksquashfs(
      options.upper,
      deltaFile,
      { algorithm: compressor, blockSize, compressorArgs },
      { signal: options.signal, processors: options.processors, sourceDateEpoch: options.sourceDateEpoch },
    );
    await using delta = await openSquashfs(deltaFile, 0);
    checkSameCompressorOptions(compressorOptions, delta.info.compressorOptions);
    const fold = foldUpper(original, delta, options.below);
    const write = await writeSquashfs(fold.merged.root, options.out, {
      info: { ...delta.info, compressorOptions },
      mkfsTime: delta.info.mkfsTime,
      copier: copyFileRanges,
      signal: options.signal,
    });
    const reused = reusedFiles(original.root, fold.merged.root);
    return {
      reusedFiles: reused.length,
      deltaBytes: delta.info.bytesUsed,
      changed: fold.merged.changed,
      unpackedBytes: fold.unpackedBytes,
      fragments: fragmentReuse(original.root, reused),
      write,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** LAYER with the upper dir's tree (DELTA) folded in, and what that does to its unpacked size. */
function foldUpper(layer: SquashfsImage, delta: SquashfsImage, below: readonly SquashfsImage[]) {
  const roots = below.map((image) => image.root);
  if (isRootless()) adoptUserOverlayMarks(delta.root);
  const merged = applyOverlayUpper(layer.root, delta.root, (path) => lookupInStack(roots, path));
  const { blockSize } = layer.info;
  const unpackedBytes = {
    before: estimateUnpackedBytes(layer.root, blockSize),
    after: estimateUnpackedBytes(merged.root, blockSize),
  };
  return { merged, unpackedBytes };
}

/** mksquashfs compresses nothing: an image made only to read its tree. */
const STORED_ONLY = ['-noI', '-noD', '-noF', '-noX'];

/**
 * For a layer packed whole from its merged view: what the upper dir changed and the unpacked size
 * before and after, reckoned the way block reuse does (the upper dir stored uncompressed by
 * mksquashfs, its tree folded into the layer's), so both repack ways report alike.
 */
export async function measureLayerChanges(options: {
  layer: SquashfsImage;
  below: readonly SquashfsImage[];
  upper: string;
  /** A folder for the short-lived image. */
  tempIn: string;
  signal?: AbortSignal;
}): Promise<Pick<BlockReuseResult, 'changed' | 'unpackedBytes'>> {
  const temp = await mkdtemp(join(options.tempIn, '.changes-'));
  try {
    const deltaFile = join(temp, 'changes.squashfs');
    const { blockSize } = options.layer.info;
    const stored = { algorithm: 'gzip', blockSize, compressorArgs: STORED_ONLY } as const;
    await runMksquashfs(options.upper, deltaFile, stored, { signal: options.signal });
    await using delta = await openSquashfs(deltaFile, 0);
    const fold = foldUpper(options.layer, delta, options.below);
    return { changed: fold.merged.changed, unpackedBytes: fold.unpackedBytes };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Paths of ORIGINAL's regular files that the new tree still holds (the same node: blocks copied). */
function reusedFiles(original: DirectoryNode, merged: DirectoryNode): string[] {
  const kept = new Set(indexFiles(merged).keys());
  return [...indexFiles(original)].filter(([file]) => kept.has(file)).flatMap(([, paths]) => paths);
}

function checkSameCompressorOptions(original: Uint8Array | null, delta: Uint8Array | null): void {
  const same =
    (original === null && delta === null) || (original && delta && Buffer.from(original).equals(delta));
  if (!same) throw compressorOptionsError();
}

function compressorOptionsError(): FormatError {
  return new FormatError(
    'block reuse: mksquashfs cannot reproduce the layer’s compressor options, so new blocks would not decompress like the old ones',
    { hint: 'set `repack: full` on this layer in the recipe' },
  );
}
