import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FormatError } from '../errors.ts';
import { fragmentReuse, type FragmentReuse, graftUnchanged, reusablePaths } from '../squashfs/graft.ts';
import { openSquashfs } from '../squashfs/read.ts';
import { writeSquashfs, type WriteSquashfsResult } from '../squashfs/write.ts';
import { runMksquashfs } from '../tools/squashfs.ts';
import { compressorArgsFor } from './compressor-args.ts';

export interface BlockReuseOptions {
  /** The layer as it was: a squashfs at OFFSET of FILE (in place in the ISO). */
  original: { file: string; offset: number };
  /** The layer's new content, a full tree (the unpacked layer after the steps). */
  upper: string;
  /** Paths (relative to UPPER) of regular files whose content and attributes did not change. */
  unchanged: readonly string[];
  out: string;
  signal?: AbortSignal;
  processors?: number;
  /** SOURCE_DATE_EPOCH: the delta's (and so the new layer's) creation time, new files' times clamped. */
  sourceDateEpoch?: number;
}

export interface BlockReuseResult {
  /** Files whose blocks were copied from the original layer. */
  reusedFiles: number;
  /** Size of the delta image mksquashfs made of the new and changed files. */
  deltaBytes: number;
  fragments: FragmentReuse;
  write: WriteSquashfsResult;
}

/**
 * A new layer that keeps the original's compressor and block size without recompressing what did
 * not change: mksquashfs packs UPPER with the reusable files excluded (a small delta image: every
 * directory, symlink, device, xattr and the new or changed files), then the TypeScript writer
 * merges it with the original's unchanged files, copying their blocks verbatim.
 */
export async function makeBlockReuseLayer(options: BlockReuseOptions): Promise<BlockReuseResult> {
  await using original = await openSquashfs(options.original.file, options.original.offset);
  const { compressor, blockSize, compressorOptions } = original.info;
  const compressorArgs = compressorArgsFor(compressor, compressorOptions);
  if (!compressorArgs) throw compressorOptionsError();
  const reusable = reusablePaths(original.root, options.unchanged);
  const temp = await mkdtemp(join(dirname(options.out), '.block-reuse-'));
  try {
    const excludeFile = join(temp, 'unchanged.list');
    await writeFile(excludeFile, reusable.map((path) => `${join(options.upper, path)}\n`).join(''));
    const deltaFile = join(temp, 'delta.squashfs');
    await runMksquashfs(
      options.upper,
      deltaFile,
      { algorithm: compressor, blockSize, compressorArgs },
      {
        signal: options.signal,
        processors: options.processors,
        excludeFile,
        sourceDateEpoch: options.sourceDateEpoch,
      },
    );
    await using delta = await openSquashfs(deltaFile, 0);
    checkSameCompressorOptions(compressorOptions, delta.info.compressorOptions);
    const root = graftUnchanged(delta.root, original.root, reusable);
    const write = await writeSquashfs(root, options.out, {
      info: { ...delta.info, compressorOptions },
      mkfsTime: delta.info.mkfsTime,
    });
    const deltaBytes = delta.info.bytesUsed;
    return {
      reusedFiles: reusable.length,
      deltaBytes,
      fragments: fragmentReuse(original.root, reusable),
      write,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
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
