import { FormatError } from '../errors.ts';
import { ByteView } from '../iso/bytes.ts';
import { decompressBlock } from './decompress.ts';
import type { ImageFile } from './file.ts';
import type { SquashfsCompressor } from './model.ts';
import { METADATA_SIZE, METADATA_UNCOMPRESSED } from './format.ts';

/** squashfs_fs.h: metadata blocks hold up to 8 KiB; a 2-byte header gives the stored size, bit 15 = uncompressed. */
export { METADATA_SIZE };

/**
 * A run of metadata blocks (the inode, directory or xattr table) decompressed into one buffer.
 * squashfs addresses a position in it as (byte offset of the block from the table start, offset
 * in the decompressed block); `at` turns that into an index into `bytes`.
 */
export class MetadataTable {
  // One view for the table's life: a tree read asks for it once per inode and directory entry.
  private byteView: ByteView | undefined;

  constructor(
    readonly what: string,
    readonly bytes: Uint8Array,
    private readonly blockStarts: Map<number, number>,
  ) {}

  at(block: number, offset: number): number {
    const start = this.blockStarts.get(block);
    if (start === undefined || offset >= METADATA_SIZE) {
      throw new FormatError(
        `squashfs ${this.what} is corrupt: no metadata block at ${block} (offset ${offset})`,
      );
    }
    return start + offset;
  }

  view(): ByteView {
    this.byteView ??= new ByteView(this.bytes, `squashfs ${this.what}`);
    return this.byteView;
  }
}

/** Decompresses the metadata blocks stored in image bytes START..END: one positioned read for the whole run. */
export async function readMetadataTable(
  file: ImageFile,
  compressor: SquashfsCompressor,
  start: number,
  end: number,
  what: string,
): Promise<MetadataTable> {
  const raw = await file.read(start, end - start, what);
  return parseMetadataBlocks(raw, compressor, what);
}

/** Splits RAW (consecutive metadata blocks) into blocks and decompresses each. */
export function parseMetadataBlocks(
  raw: Uint8Array,
  compressor: SquashfsCompressor,
  what: string,
): MetadataTable {
  const view = new ByteView(raw, `squashfs ${what}`);
  const blocks: Uint8Array[] = [];
  const blockStarts = new Map<number, number>();
  let position = 0;
  let total = 0;
  while (position < raw.length) {
    const { data, storedSize } = parseMetadataBlock(view, position, compressor, what);
    blockStarts.set(position, total);
    blocks.push(data);
    total += data.length;
    position += 2 + storedSize;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const block of blocks) {
    bytes.set(block, offset);
    offset += block.length;
  }
  blockStarts.set(position, total); // a reference just past the last byte (an empty directory's listing)
  return new MetadataTable(what, bytes, blockStarts);
}

/** The metadata block at POSITION of VIEW: its decompressed data and its stored size (without the header). */
export function parseMetadataBlock(
  view: ByteView,
  position: number,
  compressor: SquashfsCompressor,
  what: string,
): { data: Uint8Array; storedSize: number } {
  const header = view.u16le(position);
  const storedSize = header & ~METADATA_UNCOMPRESSED;
  if (storedSize === 0 || storedSize > METADATA_SIZE) {
    throw new FormatError(
      `squashfs ${what} is corrupt: metadata block at ${position} claims ${storedSize} bytes`,
    );
  }
  const stored = view.slice(position + 2, storedSize);
  const data =
    header & METADATA_UNCOMPRESSED
      ? stored
      : decompressBlock(compressor, stored, METADATA_SIZE, `${what} metadata block`);
  return { data, storedSize };
}

/** Reads the single metadata block at image byte START (a lookup-table block, the compressor options). */
export async function readMetadataBlock(
  file: ImageFile,
  compressor: SquashfsCompressor,
  start: number,
  what: string,
): Promise<Uint8Array> {
  const headerBytes = await file.read(start, 2, what);
  const storedSize = ((headerBytes[0] ?? 0) | ((headerBytes[1] ?? 0) << 8)) & ~METADATA_UNCOMPRESSED;
  const body = await file.read(start + 2, Math.min(storedSize, METADATA_SIZE), what);
  const whole = new Uint8Array(2 + body.length);
  whole.set(headerBytes);
  whole.set(body, 2);
  return parseMetadataBlock(new ByteView(whole, `squashfs ${what}`), 0, compressor, what).data;
}
