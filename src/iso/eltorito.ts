import { FormatError } from '../errors.ts';
import { ByteView, toHex } from './bytes.ts';

/** El Torito 1.0 platform ids (section 2.1) plus UEFI (0xEF, UEFI spec 2.10 section 13.3.2.1). */
const PLATFORMS: Record<number, string> = { 0x00: 'bios', 0xef: 'uefi' };
const EMULATIONS = ['none', '1.2M floppy', '1.44M floppy', '2.88M floppy', 'hard disk'];
const CATALOG_ENTRY = 32;

export interface BootEntry {
  platform: string;
  platformId: number;
  bootable: boolean;
  emulation: string;
  /** Sectors of 512 bytes loaded by the firmware ("load size", El Torito 2.2 offset 6). */
  loadSectors: number;
  /** 2048-byte block where the image starts. */
  lba: number;
  loadSegment: number;
  systemType: number;
}

/** Parses the boot catalog: validation entry, default entry, then section headers and entries. */
export function parseBootCatalog(bytes: Uint8Array): BootEntry[] {
  const view = new ByteView(bytes, 'El Torito boot catalog');
  checkValidationEntry(view);
  let platformId = view.u8(1);
  const entries = [parseBootEntry(view.sub(CATALOG_ENTRY, CATALOG_ENTRY), platformId)];
  let offset = CATALOG_ENTRY * 2;
  let more = true;
  while (more && offset + CATALOG_ENTRY <= bytes.length) {
    const header = view.u8(offset);
    if (header !== 0x90 && header !== 0x91) break;
    more = header === 0x90;
    platformId = view.u8(offset + 1);
    const count = view.u16le(offset + 2);
    offset += CATALOG_ENTRY;
    for (let i = 0; i < count; i++, offset += CATALOG_ENTRY) {
      const entryView = view.sub(offset, CATALOG_ENTRY);
      // 0x44 is a section entry extension, not an entry of its own (El Torito 2.5).
      if (entryView.u8(0) === 0x44) continue;
      entries.push(parseBootEntry(entryView, platformId));
    }
  }
  return entries;
}

function checkValidationEntry(view: ByteView): void {
  if (view.u8(0) !== 0x01 || view.u8(30) !== 0x55 || view.u8(31) !== 0xaa) {
    throw new FormatError('El Torito boot catalog is corrupt: no validation entry (header 01, key 55 AA)');
  }
  let sum = 0;
  for (let i = 0; i < CATALOG_ENTRY; i += 2) sum = (sum + view.u16le(i)) & 0xffff;
  if (sum !== 0)
    throw new FormatError('El Torito boot catalog is corrupt: validation entry checksum is wrong');
}

function parseBootEntry(view: ByteView, platformId: number): BootEntry {
  const indicator = view.u8(0);
  if (indicator !== 0x88 && indicator !== 0x00) {
    throw new FormatError(`El Torito boot catalog is corrupt: boot indicator ${toHex(indicator)}`);
  }
  return {
    platform: PLATFORMS[platformId] ?? toHex(platformId),
    platformId,
    bootable: indicator === 0x88,
    emulation: EMULATIONS[view.u8(1) & 0x0f] ?? toHex(view.u8(1)),
    loadSegment: view.u16le(2),
    systemType: view.u8(4),
    loadSectors: view.u16le(6),
    lba: view.u32le(8),
  };
}

export interface BootImagePatches {
  /** mkisofs -boot-info-table: bytes 8..24 hold PVD LBA, image LBA, length, checksum. */
  bootInfoTable: boolean;
  /** xorriso --grub2-boot-info: byte 2548 holds the image's 512-byte address + 5 (64 bit). */
  grub2BootInfo: boolean;
  /** A boot info table and ISOLINUX's magic FB C0 78 70 at byte 64: an isolinux.bin (libisofs' test). */
  isohybridCapable: boolean;
}

const ISOLINUX_MAGIC = 0x7078c0fb;
/** libisofs gives an image no file holds ("hidden") one block (fs_image.c, create_boot_img_filesrc). */
export const HIDDEN_IMAGE_BYTES = 2048;
/** libisofs evaluates images of 64 bytes up to 4 MiB (fs_image.c, Libisofs_boot_image_max_sizE). */
export const BOOT_IMAGE_MAX_BYTES = 4 * 1024 * 1024;
const BOOT_IMAGE_MIN_BYTES = 64;
/** mkisofs: the table starts at byte 8 (PVD LBA, image LBA, length, checksum). */
const TABLE_AT = 8;

/** Where the image lies and which PVD a table that names it must name. */
export interface BootImagePlace {
  /** 2048-byte block of the image's first byte. */
  lba: number;
  /** The size of the file holding the image (libisofs takes 2048 for an image no file holds). */
  fileBytes: number;
  /** The PVD block a table written for this image holds (16, or the relocated superblock's). */
  pvdLba: number;
}

/**
 * Detects what xorriso patched into a BIOS boot image, by libisofs' rule (fs_image.c,
 * iso_image_eval_boot_info_table): a boot info table counts only when all 16 bytes equal the table
 * libisofs would write for this image (PVD block, image block, file length, checksum of the words
 * from byte 64). IMAGE holds the file's first fileBytes bytes; an image outside libisofs' size
 * bounds, or cut short by the end of the ISO, has no patches.
 */
export function parseBootImagePatches(image: Uint8Array, place: BootImagePlace): BootImagePatches {
  const view = new ByteView(image, 'El Torito boot image');
  const size = place.fileBytes;
  const evaluated = size >= BOOT_IMAGE_MIN_BYTES && size <= BOOT_IMAGE_MAX_BYTES;
  if (!evaluated || view.length < size) {
    return { bootInfoTable: false, grub2BootInfo: false, isohybridCapable: false };
  }
  const bootInfoTable = sameTable(view, makeBootInfoTable(image, place.pvdLba, place.lba, size));
  const grub2BootInfo = view.length >= 2556 && view.u64le(2548) === place.lba * 4 + 5;
  const isohybridCapable = bootInfoTable && view.length >= 68 && view.u32le(64) === ISOLINUX_MAGIC;
  return { bootInfoTable, grub2BootInfo, isohybridCapable };
}

/** The 16 bytes mkisofs -boot-info-table writes at byte 8: little-endian 32-bit words. */
export function makeBootInfoTable(image: Uint8Array, pvdLba: number, lba: number, size: number): number[] {
  let checksum = 0;
  for (let offset = 64; offset < size; offset += 4) {
    // A short last word is read as if padded with zero bytes, as libisofs does.
    let word = 0;
    for (let byte = Math.min(3, size - offset - 1); byte >= 0; byte--)
      word = word * 256 + (image[offset + byte] ?? 0);
    checksum = (checksum + word) >>> 0;
  }
  return [pvdLba, lba, size, checksum];
}

function sameTable(view: ByteView, table: readonly number[]): boolean {
  return table.every((word, i) => view.u32le(TABLE_AT + i * 4) === word);
}

/** The PVD block a boot info table names: bytes 8..11, however the image was written. */
export function parseTablePvdLba(image: Uint8Array): number | null {
  return image.length >= TABLE_AT + 4 ? new ByteView(image, 'El Torito boot image').u32le(TABLE_AT) : null;
}
