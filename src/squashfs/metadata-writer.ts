import { deflateSync } from 'node:zlib';
import { METADATA_SIZE, METADATA_UNCOMPRESSED } from './format.ts';

/** Compresses one metadata block, or returns null to store it uncompressed. */
export type MetadataCompressor = (block: Uint8Array) => Uint8Array | null;

/**
 * The metadata encoder Node can offer for a compressor: zlib deflate for gzip (squashfs gzip
 * blocks are zlib streams). Node 20 has no xz, lzma, lzo, lz4 or zstd encoder, so those images
 * get uncompressed metadata blocks (bit 15 of the block header), which every reader accepts.
 */
export function metadataCompressorFor(compressor: string): MetadataCompressor | null {
  if (compressor !== 'gzip') return null;
  return (block) => deflateSync(block, { level: 9 });
}

/** A position inside a metadata table: the block's byte offset in the table and the offset inside the block. */
export interface MetadataPosition {
  block: number;
  offset: number;
}

/**
 * A stream of squashfs metadata blocks: 8 KiB of content each, written with a 2-byte header
 * (length, bit 15 = stored uncompressed). References into the stream (inode references,
 * directory start blocks) are the current block's start in the output plus the offset inside it.
 */
export class MetadataWriter {
  private readonly blocks: Uint8Array[] = [];
  /** Where each flushed block starts in the output. */
  private readonly starts: number[] = [];
  private written = 0;
  private pending = new Uint8Array(METADATA_SIZE);
  private used = 0;
  /** Content bytes before compression, for the size report. */
  rawBytes = 0;

  constructor(private readonly compress: MetadataCompressor | null) {}

  position(): MetadataPosition {
    return { block: this.written, offset: this.used };
  }

  /** The 48-bit reference squashfs stores: block start << 16 | offset. */
  reference(): bigint {
    return (BigInt(this.written) << 16n) | BigInt(this.used);
  }

  /** Content bytes appended so far. */
  get contentLength(): number {
    return this.starts.length * METADATA_SIZE + this.used;
  }

  /** The output start of the block holding content byte AT (already appended, or the next). */
  blockStartOf(at: number): number {
    return this.starts[Math.floor(at / METADATA_SIZE)] ?? this.written;
  }

  append(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      const take = Math.min(bytes.length - from, METADATA_SIZE - this.used);
      this.pending.set(bytes.subarray(from, from + take), this.used);
      this.used += take;
      from += take;
      if (this.used === METADATA_SIZE) this.flush();
    }
  }

  /** Ends the stream (a partial last block is written) and returns all its bytes. */
  finish(): Uint8Array {
    if (this.used > 0) this.flush();
    return Buffer.concat(this.blocks);
  }

  get blockCount(): number {
    return this.blocks.length;
  }

  private flush(): void {
    const content = this.pending.subarray(0, this.used);
    this.rawBytes += content.length;
    const packed = this.compress?.(content);
    const compressed = packed !== undefined && packed !== null && packed.length < content.length;
    const body = compressed ? packed : content;
    const header = Buffer.alloc(2);
    header.writeUInt16LE(compressed ? body.length : body.length | METADATA_UNCOMPRESSED);
    this.blocks.push(header, Buffer.from(body));
    this.starts.push(this.written);
    this.written += 2 + body.length;
    this.pending = new Uint8Array(METADATA_SIZE);
    this.used = 0;
  }
}

/**
 * A lookup table (fragment, id, export, xattr ids): entries packed into metadata blocks, then
 * the array of u64 block starts the superblock points at. TABLE_START is where the blocks begin
 * in the image; returns the bytes and the offset (from TABLE_START) of the index array.
 */
export function encodeIndexedTable(
  entries: Uint8Array,
  tableStart: number,
  compress: MetadataCompressor | null,
): { bytes: Uint8Array; indexOffset: number } {
  const writer = new MetadataWriter(compress);
  const starts: number[] = [];
  for (let from = 0; from < entries.length; from += METADATA_SIZE) {
    starts.push(tableStart + writer.position().block);
    writer.append(entries.subarray(from, from + METADATA_SIZE));
  }
  const blocks = writer.finish();
  const index = Buffer.alloc(starts.length * 8);
  starts.forEach((start, i) => index.writeBigUInt64LE(BigInt(start), i * 8));
  return { bytes: Buffer.concat([blocks, index]), indexOffset: blocks.length };
}
