import { ByteView } from './bytes.ts';

/** Apple Partition Map entry (Inside Macintosh: Devices, "PM" blocks after the "ER" block 0). */
export interface ApmPartition {
  index: number;
  name: string;
  type: string;
  start: number;
  blocks: number;
  /** Bytes per APM block (from the driver descriptor block 0), as -apm-block-size takes it. */
  blockSize: number;
}

/** Parses an APM from the first blocks of the image, given its block size from block 0; [] if none. */
export function parseApm(head: Uint8Array): ApmPartition[] {
  const view = new ByteView(head, 'Apple partition map');
  if (view.length < 1024 || view.ascii(0, 2) !== 'ER') return [];
  const blockSize = view.u16be(2) || 512;
  const partitions: ApmPartition[] = [];
  const first = view.sub(blockSize, Math.min(blockSize, view.length - blockSize));
  if (first.length < 92 || first.ascii(0, 2) !== 'PM') return [];
  const count = Math.min(first.u32be(4), 64);
  for (let i = 0; i < count; i++) {
    const offset = blockSize * (i + 1);
    if (offset + 92 > view.length) break;
    const entry = view.sub(offset, 92);
    if (entry.ascii(0, 2) !== 'PM') break;
    partitions.push({
      index: i + 1,
      start: entry.u32be(8),
      blocks: entry.u32be(12),
      name: entry.ascii(16, 32),
      type: entry.ascii(48, 32),
      blockSize,
    });
  }
  return partitions;
}
