import { ByteView } from '../../iso/bytes.ts';
import { LOGICAL_BLOCK } from '../../iso/gpt.ts';
import { SECTOR } from '../../iso/volume.ts';
import { backupGpt, GPT_ENTRY, GPT_HEADER, withHeaderFields } from './gpt-copy.ts';
import { agreedChs } from './mbr-chs.ts';
import type { MbrEntry, SkeletonLayout } from './skeleton-layout.ts';

/** Bytes to write at a byte offset of the finished image. */
export interface ByteWrite {
  offset: number;
  bytes: Uint8Array;
}

/** Where the real file goes: its first block (at or after the stand-in's) and its size in bytes. */
export interface Placement {
  lba: number;
  size: number;
}

export interface SplicePlan {
  /** Blocks everything after the stand-in moves up by. */
  shift: number;
  sizeBytes: number;
  writes: ByteWrite[];
}

const SECTORS_PER_BLOCK = SECTOR / LOGICAL_BLOCK;
const MAX_FILE_BYTES = 0xffffffff;

/**
 * What changes in the skeleton's head once the file of PLACEMENT takes the stand-in's place: its
 * records, the volume sizes, the boot images, the MBR and the GPT, and the GPT's backup at the new
 * end. Throws where a field cannot hold the new value (the caller checked the size beforehand).
 */
export function planSplice(layout: SkeletonLayout, placement: Placement): SplicePlan {
  if (placement.size > MAX_FILE_BYTES || placement.lba < layout.standIn)
    throw new Error(`cannot place ${placement.size} bytes at block ${placement.lba}`);
  const tail = layout.standIn + 1;
  const shift = placement.lba + Math.ceil(placement.size / SECTOR) - tail;
  const sizeBytes = layout.sizeBytes + shift * SECTOR;
  const writes: ByteWrite[] = [];
  for (const record of layout.records) {
    writes.push({ offset: record.offset + 2, bytes: bothEndian(placement.lba - record.base) });
    writes.push({ offset: record.offset + 10, bytes: bothEndian(placement.size) });
  }
  for (const volume of layout.volumeSizes)
    writes.push({ offset: volume.offset, bytes: bothEndian(volume.blocks + shift) });
  for (const field of layout.bootImages)
    writes.push({ offset: field.offset, bytes: u32le(field.value + shift) });
  if (layout.mbr) writes.push(...mbrWrites(layout.mbr, layout.standIn, shift));
  if (layout.gpt) writes.push(...gptWrites(layout.gpt, layout.standIn, shift, sizeBytes));
  return { shift, sizeBytes, writes };
}

function bothEndian(value: number): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt32LE(value, 0);
  bytes.writeUInt32BE(value, 4);
  return bytes;
}

function u32le(value: number): Uint8Array {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value, 0);
  return bytes;
}

/**
 * A range in 512-byte sectors moved or grown: one starting past the stand-in moves up, one that
 * takes in the stand-in grows.
 */
function moved(start: number, last: number, standIn: number, shift: number): { start: number; last: number } {
  const delta = shift * SECTORS_PER_BLOCK;
  if (start >= (standIn + 1) * SECTORS_PER_BLOCK) return { start: start + delta, last: last + delta };
  if (last >= standIn * SECTORS_PER_BLOCK) return { start, last: last + delta };
  return { start, last };
}

function mbrWrites(mbr: NonNullable<SkeletonLayout['mbr']>, standIn: number, shift: number): ByteWrite[] {
  return mbr.entries.flatMap((entry) => {
    const range = moved(entry.start, entry.start + entry.sectors - 1, standIn, shift);
    if (range.start === entry.start && range.last === entry.start + entry.sectors - 1) return [];
    return [{ offset: entry.offset, bytes: mbrEntry(entry, range, mbr.geometries) }];
  });
}

function mbrEntry(
  entry: MbrEntry,
  range: { start: number; last: number },
  geometries: NonNullable<SkeletonLayout['mbr']>['geometries'],
): Uint8Array {
  const bytes = Buffer.from(entry.bytes);
  const sectors = range.last - range.start + 1;
  if (sectors > MAX_FILE_BYTES) throw new Error('the image outgrows the MBR');
  bytes.writeUInt32LE(range.start, 8);
  bytes.writeUInt32LE(sectors, 12);
  const hasChs = [...entry.startChs, ...entry.endChs].some((byte) => byte !== 0);
  if (hasChs) {
    const start = agreedChs(range.start, geometries);
    const end = agreedChs(range.last, geometries);
    if (!start || !end) throw new Error('the MBR geometry is ambiguous for the new size');
    bytes.set(start, 1);
    bytes.set(end, 5);
  }
  return bytes;
}

function gptWrites(
  gpt: NonNullable<SkeletonLayout['gpt']>,
  standIn: number,
  shift: number,
  sizeBytes: number,
): ByteWrite[] {
  const header = new ByteView(gpt.header, 'GPT header');
  const entrySize = header.u32le(GPT_HEADER.entrySize);
  const entries = Buffer.from(gpt.entries);
  for (let at = 0; at + entrySize <= entries.length; at += entrySize) {
    if (entries.subarray(at, at + 16).every((byte) => byte === 0)) continue;
    const range = moved(
      Number(entries.readBigUInt64LE(at + GPT_ENTRY.firstLba)),
      Number(entries.readBigUInt64LE(at + GPT_ENTRY.lastLba)),
      standIn,
      shift,
    );
    entries.writeBigUInt64LE(BigInt(range.start), at + GPT_ENTRY.firstLba);
    entries.writeBigUInt64LE(BigInt(range.last), at + GPT_ENTRY.lastLba);
  }
  const lastLba = sizeBytes / LOGICAL_BLOCK - 1;
  const lastUsable = moved(0, header.u64le(GPT_HEADER.lastUsableLba), standIn, shift).last;
  const primary = {
    header: withHeaderFields(
      gpt.header,
      { [GPT_HEADER.alternateLba]: lastLba, [GPT_HEADER.lastUsableLba]: lastUsable },
      entries,
    ),
    entries,
  };
  const backup = backupGpt(primary, lastLba);
  return [
    { offset: LOGICAL_BLOCK, bytes: primary.header },
    { offset: gpt.entriesLba * LOGICAL_BLOCK, bytes: entries },
    { offset: backup.entriesOffset, bytes: backup.entries },
    { offset: backup.headerOffset, bytes: backup.header },
  ];
}
