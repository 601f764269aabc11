import { crc32 } from '../../iso/bytes.ts';
import { LOGICAL_BLOCK } from '../../iso/gpt.ts';

/** Byte offsets of GPT header fields (UEFI 2.10 table 5.5) and partition entry fields (table 5.6). */
export const GPT_HEADER = {
  crc: 16,
  myLba: 24,
  alternateLba: 32,
  lastUsableLba: 48,
  entriesLba: 72,
  entrySize: 84,
  entriesCrc: 88,
};
export const GPT_ENTRY = { firstLba: 32, lastLba: 40 };

export interface GptWrite {
  header: Uint8Array;
  headerOffset: number;
  entries: Uint8Array;
  entriesOffset: number;
}

/**
 * The backup GPT for a disk whose last 512-byte sector is LASTLBA: the entry array just before
 * the header in that last sector (where libisofs puts them), the header naming both.
 */
export function backupGpt(primary: { header: Uint8Array; entries: Uint8Array }, lastLba: number): GptWrite {
  const entrySectors = Math.ceil(primary.entries.length / LOGICAL_BLOCK);
  const entriesLba = lastLba - entrySectors;
  const header = withHeaderFields(primary.header, {
    [GPT_HEADER.myLba]: lastLba,
    [GPT_HEADER.alternateLba]: 1,
    [GPT_HEADER.entriesLba]: entriesLba,
  });
  return {
    header,
    headerOffset: lastLba * LOGICAL_BLOCK,
    entries: primary.entries,
    entriesOffset: entriesLba * LOGICAL_BLOCK,
  };
}

/** HEADER with 64-bit FIELDS (by byte offset) set, its entry array CRC taken from ENTRIES, and its own CRC made again. */
export function withHeaderFields(
  header: Uint8Array,
  fields: Readonly<Record<number, number>>,
  entries?: Uint8Array,
): Uint8Array {
  const copy = Buffer.from(header);
  for (const [offset, value] of Object.entries(fields)) copy.writeBigUInt64LE(BigInt(value), Number(offset));
  if (entries) copy.writeUInt32LE(crc32(entries), GPT_HEADER.entriesCrc);
  copy.writeUInt32LE(0, GPT_HEADER.crc);
  copy.writeUInt32LE(crc32(copy), GPT_HEADER.crc);
  return copy;
}
