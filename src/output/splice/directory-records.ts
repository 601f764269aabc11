import { FormatError } from '../../errors.ts';
import { ByteView } from '../../iso/bytes.ts';
import { isMultiExtent } from '../../iso/directory.ts';
import { SECTOR } from '../../iso/volume.ts';

/** One directory record of a tree, where it lies in the image and what extent it names. */
export interface PlacedRecord {
  /** Byte offset of the record in the image. */
  offset: number;
  /** The block the record's tree counts its addresses from. */
  base: number;
  /** The record's extent as an image block: the tree's base plus the recorded LBA. */
  extent: number;
  size: number;
  isDirectory: boolean;
  multiExtent: boolean;
}

const FLAG_DIRECTORY = 0x02;
const MAX_TREE_BYTES = 256 * 1024 * 1024;

type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Every record below ROOT (the 34-byte root record of a volume descriptor), "." and ".." left
 * out. BASE is the block the tree counts its addresses from: 0, or the partition offset for the
 * second set of trees xorriso writes with -partition_offset.
 */
export async function readTreeRecords(
  read: ReadRange,
  root: Uint8Array,
  base: number,
): Promise<PlacedRecord[]> {
  const rootView = new ByteView(root, 'root directory record');
  const pending = [{ extent: base + rootView.u32le(2), size: rootView.u32le(10) }];
  const seen = new Set<number>();
  const records: PlacedRecord[] = [];
  let bytes = 0;
  while (pending.length) {
    const dir = pending.pop() as { extent: number; size: number };
    if (seen.has(dir.extent)) continue;
    seen.add(dir.extent);
    bytes += dir.size;
    if (bytes > MAX_TREE_BYTES) throw new FormatError('the ISO directory tree is implausibly large');
    const data = await read(dir.extent * SECTOR, dir.size);
    for (const record of recordsIn(data, dir.extent * SECTOR, base)) {
      records.push(record);
      if (record.isDirectory) pending.push(record);
    }
  }
  return records;
}

/** The records of one directory extent read at byte AT; records never straddle a sector (ECMA-119 6.8.1.1). */
function recordsIn(data: Uint8Array, at: number, base: number): PlacedRecord[] {
  const view = new ByteView(data, 'ISO 9660 directory');
  const records: PlacedRecord[] = [];
  let offset = 0;
  while (offset < data.length) {
    const length = view.u8(offset);
    if (length < 34) {
      offset = (Math.floor(offset / SECTOR) + 1) * SECTOR;
      continue;
    }
    const record = view.slice(offset, Math.min(length, data.length - offset));
    const nameLength = view.u8(offset + 32);
    const self = nameLength === 1 && view.u8(offset + 33) <= 1;
    if (!self)
      records.push({
        offset: at + offset,
        base,
        extent: base + view.u32le(offset + 2),
        size: view.u32le(offset + 10),
        isDirectory: (view.u8(offset + 25) & FLAG_DIRECTORY) !== 0,
        multiExtent: isMultiExtent(record),
      });
    offset += length;
  }
  return records;
}
