import { DIR_HEADER_MAX_ENTRIES, INODE_TYPE } from './format.ts';
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

/**
 * A directory's listing: runs of entries, each run behind a header (count - 1, the inode
 * metadata block all its entries share, a base inode number). A new header starts after 256
 * entries, when the inode block changes, or when a number is more than a signed 16-bit delta
 * away from the base (squashfs_dir_header / squashfs_dir_entry).
 */
export function encodeListing(entries: readonly ListingEntry[]): Buffer {
  const parts: Buffer[] = [];
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
    const fits =
      first !== undefined &&
      run.length < DIR_HEADER_MAX_ENTRIES &&
      first.reference >> 16n === entry.reference >> 16n &&
      entry.number - first.number >= -32768 &&
      entry.number - first.number <= 32767;
    if (!fits) flush();
    run.push(entry);
  }
  flush();
  return Buffer.concat(parts);
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
