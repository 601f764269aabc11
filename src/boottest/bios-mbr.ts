import { FormatError } from '../errors.ts';

/**
 * GRUB's BIOS disk boot, as grub-bios-setup installs it into an MBR disk's gap: boot.img in sector 0
 * (around the partition table), core.img from sector 1. Offsets from GRUB's include/grub/i386/pc/boot.h
 * and diskboot.S (GRUB 2.06). The sector numbers both images carry by default (boot.img: core.img
 * at LBA 1; diskboot.img: the rest of core.img from LBA 2) are exactly that layout, so nothing is
 * patched but what grub-bios-setup patches for a hard disk.
 */
const SECTOR = 512;
const BPB_START = 0x03;
const BPB_END = 0x5a;
const KERNEL_SECTOR = 0x5c;
const DRIVE_CHECK = 0x66;
const PARTITION_TABLE = 0x1b8; // Windows NT disk signature, then the four entries and 0x55AA
const BLOCKLIST_START = SECTOR - 12; // diskboot.img's first (and only) blocklist: start, len, segment
const JMP_SHORT = 0xeb;
const NOP = 0x90;

/** Sector 0 of a disk with GRUB: boot.img's code, the disk's own BPB area and partition table. */
export function makeBiosBootSector(bootImg: Uint8Array, currentSector: Uint8Array): Uint8Array {
  if (bootImg.length !== SECTOR || bootImg[SECTOR - 2] !== 0x55 || bootImg[SECTOR - 1] !== 0xaa) {
    throw new FormatError('boot.img is not a 512-byte GRUB boot sector (no 0x55AA signature)');
  }
  if (readLba(bootImg, KERNEL_SECTOR) !== 1 || bootImg[DRIVE_CHECK] !== JMP_SHORT) {
    throw new FormatError(
      'boot.img does not have the layout of GRUB 2.06 (core.img sector at 0x5c, drive check at 0x66)',
    );
  }
  const sector = Uint8Array.from(bootImg);
  sector.set(currentSector.subarray(BPB_START, BPB_END), BPB_START);
  // A hard disk: the BIOS's drive number is trusted even if it looks like a floppy's (grub-bios-setup does this).
  sector[DRIVE_CHECK] = NOP;
  sector[DRIVE_CHECK + 1] = NOP;
  sector.set(currentSector.subarray(PARTITION_TABLE, SECTOR - 2), PARTITION_TABLE);
  return sector;
}

/** Checks that CORE (grub-mkimage -O i386-pc) loads its rest from LBA 2 and fits before FIRSTPARTITIONSECTOR. */
export function checkCoreImage(core: Uint8Array, firstPartitionSector: number): void {
  if (readLba(core, BLOCKLIST_START) !== 2) {
    throw new FormatError('core.img does not start with diskboot.img reading from LBA 2');
  }
  const sectors = Math.ceil(core.length / SECTOR);
  if (1 + sectors > firstPartitionSector) {
    throw new FormatError(
      `core.img needs ${sectors} sectors; the gap before the partition has ${firstPartitionSector - 1}`,
    );
  }
}

function readLba(bytes: Uint8Array, offset: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true));
}
