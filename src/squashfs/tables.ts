import { FormatError } from '../errors.ts';
import { ByteView } from '../iso/bytes.ts';
import type { ImageFile } from './file.ts';
import { METADATA_SIZE, readMetadataBlock } from './metadata.ts';
import type { SquashfsCompressor } from './model.ts';

/**
 * squashfs lookup tables (ids, fragments, export, xattr ids): COUNT fixed-size entries packed
 * into metadata blocks, located by an index of 64-bit block addresses at INDEXSTART.
 */
export async function readLookupTable(
  file: ImageFile,
  compressor: SquashfsCompressor,
  indexStart: number,
  count: number,
  entrySize: number,
  what: string,
): Promise<ByteView> {
  const totalBytes = count * entrySize;
  const blockCount = Math.ceil(totalBytes / METADATA_SIZE);
  const index = await readIndex(file, indexStart, blockCount, what);
  const bytes = new Uint8Array(totalBytes);
  for (const [i, blockStart] of index.entries()) {
    const block = await readMetadataBlock(file, compressor, blockStart, what);
    const expected = Math.min(METADATA_SIZE, totalBytes - i * METADATA_SIZE);
    if (block.length < expected) {
      throw new FormatError(
        `squashfs ${what} is corrupt: block ${i} holds ${block.length} bytes, expected ${expected}`,
      );
    }
    bytes.set(block.subarray(0, expected), i * METADATA_SIZE);
  }
  return new ByteView(bytes, `squashfs ${what}`);
}

/** The 64-bit block addresses of a lookup table's index. */
export async function readIndex(
  file: ImageFile,
  indexStart: number,
  blockCount: number,
  what: string,
): Promise<number[]> {
  const view = new ByteView(
    await file.read(indexStart, blockCount * 8, `${what} index`),
    `squashfs ${what} index`,
  );
  return Array.from({ length: blockCount }, (_, i) => view.u64le(i * 8));
}

export interface FragmentEntry {
  /** Byte offset of the fragment block from the image start. */
  start: number;
  /** On-disk size word (bit 24 set = stored uncompressed). */
  sizeWord: number;
}

/** squashfs_fs.h squashfs_fragment_entry: start u64, size u32, unused u32. */
export function parseFragmentTable(view: ByteView, count: number): FragmentEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    start: view.u64le(i * 16),
    sizeWord: view.u32le(i * 16 + 8),
  }));
}

/** The id table: 32-bit uids/gids that inodes refer to by 16-bit index. */
export function parseIdTable(view: ByteView, count: number): number[] {
  return Array.from({ length: count }, (_, i) => view.u32le(i * 4));
}
