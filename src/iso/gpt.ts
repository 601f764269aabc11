import { FormatError } from '../errors.ts';
import { ByteView, crc32 } from './bytes.ts';

/** UEFI 2.10 section 5.3: GUID Partition Table, in 512-byte logical blocks. */
export const GPT_SIGNATURE = 'EFI PART';
export const LOGICAL_BLOCK = 512;

const TYPE_NAMES: Record<string, string> = {
  'c12a7328-f81f-11d2-ba4b-00a0c93ec93b': 'EFI System',
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7': 'Microsoft basic data',
  '48465300-0000-11aa-aa11-00306543ecac': 'HFS+',
  '0fc63daf-8483-4772-8e79-3d69d8477de4': 'Linux filesystem',
  '21686148-6449-6e6f-744e-656564454649': 'BIOS boot',
  '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f': 'Linux swap',
  'e6d6d379-f507-44c2-a23c-238f2a3df928': 'Linux LVM',
  '024dee41-33e7-11d3-9d69-0008c781f39f': 'MBR partition scheme',
};

export interface GptHeader {
  currentLba: number;
  backupLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
}

export interface GptPartition {
  index: number;
  typeGuid: string;
  typeName: string;
  guid: string;
  name: string;
  start: number;
  end: number;
  sectors: number;
  attributes: string;
}

/** A mixed-endian GUID (first three fields little-endian) in canonical lowercase 8-4-4-4-12 form. */
export function formatGuid(bytes: Uint8Array): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(bytes.subarray(from, to));
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

export function gptTypeName(guid: string): string {
  return TYPE_NAMES[guid] ?? 'unknown';
}

/** Parses the header at LBA 1; null when there is none; FormatError when its CRC is wrong. */
export function parseGptHeader(block: Uint8Array): GptHeader | null {
  const view = new ByteView(block, 'GPT header');
  if (view.ascii(0, 8) !== GPT_SIGNATURE) return null;
  const size = view.u32le(12);
  if (size < 92 || size > view.length) throw new FormatError(`GPT header size ${size} is invalid`);
  const copy = Uint8Array.from(view.slice(0, size));
  copy.fill(0, 16, 20);
  if (crc32(copy) !== view.u32le(16))
    throw new FormatError('GPT header CRC does not match: the GPT is corrupt');
  const entrySize = view.u32le(84);
  const entryCount = view.u32le(80);
  if (entrySize < 128 || entrySize > 4096 || entryCount > 4096) {
    throw new FormatError(`GPT entry table is invalid: ${entryCount} entries of ${entrySize} bytes`);
  }
  return {
    currentLba: view.u64le(24),
    backupLba: view.u64le(32),
    firstUsableLba: view.u64le(40),
    lastUsableLba: view.u64le(48),
    diskGuid: formatGuid(view.slice(56, 16)),
    entriesLba: view.u64le(72),
    entryCount,
    entrySize,
    entriesCrc: view.u32le(88),
  };
}

/** Parses the partition entry array; checks its CRC against the header. */
export function parseGptEntries(header: GptHeader, table: Uint8Array): GptPartition[] {
  const size = header.entryCount * header.entrySize;
  const view = new ByteView(table, 'GPT partition entry array');
  if (crc32(view.slice(0, size)) !== header.entriesCrc) {
    throw new FormatError('GPT partition entry array CRC does not match: the GPT is corrupt');
  }
  const partitions: GptPartition[] = [];
  for (let i = 0; i < header.entryCount; i++) {
    const entry = view.sub(i * header.entrySize, header.entrySize, `GPT entry ${i + 1}`);
    if (entry.isZero(0, 16)) continue;
    const typeGuid = formatGuid(entry.slice(0, 16));
    const start = entry.u64le(32);
    const end = entry.u64le(40);
    partitions.push({
      index: i + 1,
      typeGuid,
      typeName: gptTypeName(typeGuid),
      guid: formatGuid(entry.slice(16, 16)),
      start,
      end,
      sectors: end - start + 1,
      attributes: `0x${entry.u64leBig(48).toString(16).padStart(16, '0')}`,
      name: entry.utf16le(56, Math.min(72, header.entrySize - 56)),
    });
  }
  return partitions;
}

/** xorriso writes type GUIDs in its options as the 16 raw bytes in hex (mixed-endian order). */
export function guidToXorrisoHex(guid: string): string {
  const [a = '', b = '', c = '', d = '', e = ''] = guid.split('-');
  const swap = (hex: string) => hex.match(/../g)?.reverse().join('') ?? '';
  return `${swap(a)}${swap(b)}${swap(c)}${d}${e}`;
}

/** xorriso names the partitions it fills gaps with Gap0, Gap1...: a padding, not content. */
export function isGapPartitionName(name: string): boolean {
  return /^Gap\d*$/.test(name);
}
