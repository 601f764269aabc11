import type { ByteView } from '../iso/bytes.ts';
import { FormatError } from '../errors.ts';

/** One directory entry: its name and the inode it names, as a reference into the inode table. */
export interface DirectoryEntry {
  name: string;
  inodeBlock: number;
  inodeOffset: number;
  inodeNumber: number;
}

/** squashfs_fs.h: a header precedes at most 256 entries that share one inode metadata block. */
const MAX_ENTRIES_PER_HEADER = 256;

/** Parses a directory listing: SIZE bytes at POSITION of the decompressed directory table. */
export function parseDirectoryListing(view: ByteView, position: number, size: number): DirectoryEntry[] {
  const entries: DirectoryEntry[] = [];
  const end = position + size;
  let at = position;
  while (at < end) {
    const count = view.u32le(at) + 1;
    const inodeBlock = view.u32le(at + 4);
    const baseNumber = view.u32le(at + 8);
    if (count > MAX_ENTRIES_PER_HEADER) {
      throw new FormatError(`squashfs directory table is corrupt: a header at ${at} claims ${count} entries`);
    }
    at += 12;
    for (let i = 0; i < count; i++) {
      const inodeOffset = view.u16le(at);
      const delta = (view.u16le(at + 2) << 16) >> 16; // signed 16-bit
      const nameSize = view.u16le(at + 6) + 1;
      const name = new TextDecoder().decode(view.slice(at + 8, nameSize));
      if (name === '.' || name === '..' || name.includes('/')) {
        throw new FormatError(
          `squashfs directory table is corrupt: an entry is named ${JSON.stringify(name)}`,
        );
      }
      entries.push({ name, inodeBlock, inodeOffset, inodeNumber: baseNumber + delta });
      at += 8 + nameSize;
    }
  }
  if (at !== end)
    throw new FormatError(`squashfs directory table is corrupt: a listing overruns its ${size} bytes`);
  return entries;
}
