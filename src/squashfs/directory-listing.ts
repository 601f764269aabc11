import { DIR_HEADER_MAX_ENTRIES, INODE_TYPE, METADATA_SIZE } from './format.ts';
import type { SquashfsNode } from './model.ts';

/** One name in a directory listing, with where its inode was written. */
export interface ListingEntry {
  name: Buffer;
  /** The inode reference: metadata block start (from the inode table start) << 16 | offset. */
  reference: bigint;
  number: number;
  type: SquashfsNode['type'];
}

/** Names in the byte order squashfs requires (the kernel and unsquashfs binary-search on it). */
export function sortedEntries<T>(entries: Map<string, T>): [string, T][] {
  return [...entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** A point where a lookup may start reading the listing (squashfs_dir_index, without its block). */
export interface ListingIndex {
  /** Offset of a header inside the listing. */
  offset: number;
  /** The first name after that header. */
  name: Buffer;
}

export interface Listing {
  bytes: Buffer;
  indexes: ListingIndex[];
}

/**
 * A directory's listing as mksquashfs's add_dir writes it: runs of entries, each behind a header
 * (count - 1, the inode metadata block its entries share, a base inode number). A new header
 * starts after 256 entries, when the inode block changes, when a number is more than a signed
 * 16-bit delta from the base, or when the listing has grown a metadata block (8 KiB) since the
 * last index point; that last case also adds an index entry, which the extended directory inode
 * carries so lookups can skip ahead.
 */
export function encodeListing(entries: readonly ListingEntry[]): Listing {
  const parts: Buffer[] = [];
  const indexes: ListingIndex[] = [];
  let length = 0;
  let indexPoint = 0;
  let run: ListingEntry[] = [];
  const flush = () => {
    if (!run.length) return;
    const first = run[0]!;
    const head = Buffer.alloc(12);
    head.writeUInt32LE(run.length - 1, 0);
    head.writeUInt32LE(Number(first.reference >> 16n), 4);
    head.writeUInt32LE(first.number, 8);
    parts.push(head);
    for (const entry of run) parts.push(encodeEntry(entry, first.number));
    run = [];
  };
  for (const entry of entries) {
    const first = run[0];
    const entrySize = 8 + entry.name.length;
    const grown = first !== undefined && length + entrySize - indexPoint > METADATA_SIZE;
    const fits =
      first !== undefined &&
      !grown &&
      run.length < DIR_HEADER_MAX_ENTRIES &&
      first.reference >> 16n === entry.reference >> 16n &&
      entry.number - first.number >= -32768 &&
      entry.number - first.number <= 32767;
    if (!fits) {
      if (grown) {
        indexes.push({ offset: length, name: entry.name });
        indexPoint = length;
      }
      flush();
      length += 12;
    }
    run.push(entry);
    length += entrySize;
  }
  flush();
  return { bytes: Buffer.concat(parts), indexes };
}

/** mksquashfs's rule for the extended directory inode (besides xattrs): 257+ entries or 8 KiB of entries. */
export function needsExtendedDirectory(entries: readonly ListingEntry[]): boolean {
  const bytes = entries.reduce((sum, entry) => sum + 8 + entry.name.length, 0);
  return entries.length >= 257 || bytes >= METADATA_SIZE;
}
function encodeEntry(entry: ListingEntry, base: number): Buffer {
  if (entry.name.length === 0 || entry.name.length > 256) {
    throw new Error(`squashfs writer: a name of ${entry.name.length} bytes cannot be stored`);
  }
  const bytes = Buffer.alloc(8);
  bytes.writeUInt16LE(Number(entry.reference & 0xffffn), 0);
  bytes.writeInt16LE(entry.number - base, 2);
  bytes.writeUInt16LE(INODE_TYPE[entry.type], 4);
  bytes.writeUInt16LE(entry.name.length - 1, 6);
  return Buffer.concat([bytes, entry.name]);
}
