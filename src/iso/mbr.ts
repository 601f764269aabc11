import { FormatError } from '../errors.ts';
import { ByteView, toHex } from './bytes.ts';

/** A classic MBR partition table entry (offset 446, 4 x 16 bytes), in 512-byte sectors. */
export interface MbrPartition {
  index: number;
  bootable: boolean;
  type: string;
  typeId: number;
  start: number;
  sectors: number;
  /** CHS of the last sector (cylinder, head, sector), from which xorriso infers disk geometry. */
  endChs: { cylinder: number; head: number; sector: number };
}

export type MbrBootCode = 'grub2' | 'isohybrid' | 'none' | 'other';

export interface MasterBootRecord {
  partitions: MbrPartition[];
  bootCode: MbrBootCode;
  /** A single 0xEE partition covering the disk: the MBR only guards a GPT. */
  protective: boolean;
}

const GRUB_MARK = 'GRUB \0Geom\0Hard Disk\0Read\0 Error';
const ISOHYBRID_MARK = 'isolinux';

/** Parses the MBR in the first 512 bytes; null when there is no 55 AA signature. */
export function parseMbr(sector: Uint8Array): MasterBootRecord | null {
  const view = new ByteView(sector, 'master boot record');
  if (view.length < 512) throw new FormatError('image is too short for a master boot record');
  if (view.u8(510) !== 0x55 || view.u8(511) !== 0xaa) return null;
  const partitions: MbrPartition[] = [];
  for (let i = 0; i < 4; i++) {
    const entry = view.sub(446 + i * 16, 16);
    const typeId = entry.u8(4);
    // An all-zero entry is unused; a type-0 entry with content is xorriso's --mbr-force-bootable dummy.
    if (entry.isZero(0, 16)) continue;
    partitions.push({
      index: i + 1,
      bootable: entry.u8(0) === 0x80,
      type: toHex(typeId),
      typeId,
      start: entry.u32le(8),
      sectors: entry.u32le(12),
      endChs: {
        head: entry.u8(5),
        sector: entry.u8(6) & 0x3f,
        cylinder: ((entry.u8(6) & 0xc0) << 2) | entry.u8(7),
      },
    });
  }
  return {
    partitions,
    bootCode: detectBootCode(view),
    protective: partitions.some((p) => p.typeId === 0xee),
  };
}

function detectBootCode(view: ByteView): MbrBootCode {
  if (view.isZero(0, 440)) return 'none';
  const code = new TextDecoder('latin1').decode(view.slice(0, 440));
  if (code.includes(GRUB_MARK)) return 'grub2';
  if (code.includes(ISOHYBRID_MARK)) return 'isohybrid';
  return 'other';
}
