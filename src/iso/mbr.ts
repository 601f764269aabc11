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

/** The first El Torito boot image, which the boot code of a hybrid MBR jumps to. */
export interface FirstBootImage {
  /** 2048-byte block where the image starts. */
  lba: number;
  /** Boot info table and ISOLINUX's magic at byte 64: an isolinux.bin that isohybrid MBR code can load. */
  isohybridCapable: boolean;
}

const ISOHYBRID_MARK = 'isolinux';
// The mark must start within the first 426 bytes, as libisofs looks for it.
const ISOHYBRID_MARK_LAST_START = 425;
// Boot-info patch of isohybrid and GRUB2 MBR code: the boot image's address, little-endian.
const BOOT_IMAGE_ADDRESS = 0x1b0;
const BOOT_CODE_BYTES = 440;

/**
 * Parses the MBR in the first 512 bytes; null when there is no 55 AA signature. The boot code is
 * named the way xorriso names it: by the address it was patched with, given the first boot image.
 */
export function parseMbr(
  sector: Uint8Array,
  firstImage: FirstBootImage | null = null,
): MasterBootRecord | null {
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
    bootCode: detectBootCode(view, firstImage),
    protective: partitions.some((p) => p.typeId === 0xee),
  };
}

/**
 * xorriso's rule (libisofs iso_analyze_isohybrid): isohybrid code names isolinux and holds the boot
 * image's 512-byte address as 32 bits at 0x1B0; GRUB2 code holds that address + 4 as 64 bits there.
 * A code signature alone says nothing: code whose address does not match is replayed as-is (-G).
 */
function detectBootCode(view: ByteView, firstImage: FirstBootImage | null): MbrBootCode {
  if (view.isZero(0, BOOT_CODE_BYTES)) return 'none';
  if (!firstImage) return 'other';
  const lba = firstImage.lba;
  if (firstImage.isohybridCapable && hasIsohybridMark(view)) {
    if (Math.floor(view.u32le(BOOT_IMAGE_ADDRESS) / 4) === lba) return 'isohybrid';
  }
  const address = view.u64leBig(BOOT_IMAGE_ADDRESS);
  if (address >= 4n && address / 4n - 1n === BigInt(lba)) return 'grub2';
  return 'other';
}

function hasIsohybridMark(view: ByteView): boolean {
  const head = new TextDecoder('latin1').decode(
    view.slice(0, ISOHYBRID_MARK_LAST_START + ISOHYBRID_MARK.length),
  );
  return head.includes(ISOHYBRID_MARK);
}
