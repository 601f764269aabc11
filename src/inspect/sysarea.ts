import { ByteView } from '../iso/bytes.ts';
import type { GptPartition } from '../iso/gpt.ts';
import type { IsoImage } from '../iso/image.ts';
import type { MasterBootRecord, MbrPartition } from '../iso/mbr.ts';
import { DescriptorType, FIRST_DESCRIPTOR_LBA, parsePrimaryVolumeBlocks, SECTOR } from '../iso/volume.ts';

/*
 * How libisofs reads an imported system area (fs_image.c, iso_analyze_mbr and iso_analyze_gpt),
 * which is what `xorriso -report_system_area` and its as_mkisofs proposal are made from.
 */

const PROTECTIVE_TYPE = 0xee;
// A partition that may hold the ISO's second set of metadata (-partition_offset): sizes in 512-byte sectors.
const OFFSET_PARTITION = { minStart: 64, maxStart: 2048, minSectors: 72 } as const;

/** MBR entries as libisofs registers them: non-empty ones with at least one sector, in table order. */
export function usedMbrPartitions(mbr: MasterBootRecord | null): MbrPartition[] {
  return (mbr?.partitions ?? []).filter((p) => p.sectors > 0);
}

/**
 * libisofs' "protective-msdos-label": partition 1 starts at sector 1 and reaches the ISO's end (or
 * partition 2's start); a 0xEE one may reach beyond, when alone or beside a type-0 dummy. isohybrid
 * MBR code outranks it unless partition 1 is 0xEE, and xorriso's summary then names isohybrid only.
 */
export function isProtectiveMsdosLabel(mbr: MasterBootRecord | null, isoBlocks: number): boolean {
  const parts = usedMbrPartitions(mbr);
  const [first, second] = parts;
  if (!first || mbr?.bootCode === 'isohybrid') return false;
  if (first.start !== 1) return false;
  const isoSectors = isoBlocks * 4;
  const guardsAlone =
    first.typeId === PROTECTIVE_TYPE &&
    first.sectors + 1 >= isoSectors &&
    (parts.length === 1 || (parts.length === 2 && second?.typeId === 0));
  return first.sectors + 1 === isoSectors || guardsAlone || first.sectors + 1 === (second?.start ?? 0);
}

/**
 * The ISO partition offset in 2048-byte blocks (-partition_offset): MBR partition 1 (or, behind a
 * protective MBR, GPT partition 1) when a second primary volume descriptor at its start describes
 * the same ISO; else 0.
 */
export async function readPartitionOffset(
  image: IsoImage,
  mbr: MasterBootRecord | null,
  gpt: readonly GptPartition[],
): Promise<number> {
  const isoBlocks = image.primary.volumeBlocks;
  const [first] = usedMbrPartitions(mbr);
  if (!first) return 0;
  if (
    (first.status === 0x80 || first.status === 0) &&
    mayHoldIsoCopy(first.start, first.sectors) &&
    Math.floor((first.start + first.sectors) / 4) <= isoBlocks &&
    (await holdsIsoCopy(image, first.start, first.sectors))
  ) {
    return first.start / 4;
  }
  const gptFirst = gpt[0];
  if (first.typeId !== PROTECTIVE_TYPE || first.start !== 1 || !gptFirst) return 0;
  if (!mayHoldIsoCopy(gptFirst.start, gptFirst.sectors)) return 0;
  return (await holdsIsoCopy(image, gptFirst.start, gptFirst.sectors)) ? gptFirst.start / 4 : 0;
}

function mayHoldIsoCopy(start: number, sectors: number): boolean {
  const { minStart, maxStart, minSectors } = OFFSET_PARTITION;
  return (
    start >= minStart && start <= maxStart && sectors >= minSectors && start % 4 === 0 && sectors % 4 === 0
  );
}

/** ECMA-119 8.4: a primary volume descriptor 16 blocks into the partition, for the same ISO size. */
async function holdsIsoCopy(image: IsoImage, start: number, sectors: number): Promise<boolean> {
  const offset = start / 4;
  const lba = offset + FIRST_DESCRIPTOR_LBA;
  if ((lba + 1) * SECTOR > image.sizeBytes) return false;
  const view = new ByteView(await image.readSectors(lba, 1), 'partition volume descriptor');
  const isPrimary =
    view.u8(0) === DescriptorType.primary &&
    view.ascii(1, 5) === 'CD001' &&
    view.u8(6) === 1 &&
    view.u8(881) === 1;
  const size = view.u32le(80);
  const isoBlocks = image.primary.volumeBlocks;
  return isPrimary && (size + offset === isoBlocks || size === Math.floor(sectors / 4));
}

/** xorriso writes its emulated TOC in the first 32 blocks after the partition offset (-compliance). */
const EMULATED_TOC_BLOCKS = 32;

/**
 * Whether the image carries xorriso's TOC emulation, which a modification without `-compliance
 * no_emul_toc` writes: the session then starts 32 blocks after the partition offset, with its own
 * superblock there describing the image less those blocks (libisofs' "relocated superblock").
 */
export async function readEmulatedToc(image: IsoImage, partitionOffset: number): Promise<boolean> {
  const pvd = partitionOffset + EMULATED_TOC_BLOCKS + FIRST_DESCRIPTOR_LBA;
  return holdsRelocatedSuperblock(image, pvd);
}

/**
 * Whether block LBA holds a whole PVD describing the image less the blocks before its session
 * (its size plus LBA is the image's size plus 16): libisofs' "relocated superblock" test.
 */
export async function holdsRelocatedSuperblock(image: IsoImage, lba: number): Promise<boolean> {
  const blocks = image.primary.volumeBlocks;
  if (lba >= blocks) return false;
  const size = parsePrimaryVolumeBlocks(await image.readSectors(lba, 1));
  return size !== null && size + lba === blocks + FIRST_DESCRIPTOR_LBA;
}
