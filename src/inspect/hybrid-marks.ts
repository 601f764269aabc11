import { isGapPartitionName, type GptPartition } from '../iso/gpt.ts';
import { quoteAlways } from '../ui/shell.ts';
import type { BootSetup } from './boot.ts';
import { isProtectiveMsdosLabel, usedMbrPartitions } from './sysarea.ts';

/*
 * The options by which xorriso marks El Torito images with partition entries (libisoburn
 * xorriso/iso_img.c, Xorriso_scan_report_lines): -isohybrid-gpt-basdat, -isohybrid-gpt-hfsplus,
 * -isohybrid-apm-hfsplus, -part_like_isohybrid and -efi-boot-part. Partitions are visited in
 * xorriso's report order (MBR, then GPT, then APM), since the first match decides.
 */

/** What a partition entry's type says to xorriso (its "ptype"). */
type PartitionKind = 'unknown' | 'basdat' | 'hfsplus' | 'efi';

const GPT_KINDS: Record<string, PartitionKind> = {
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7': 'basdat',
  '48465300-0000-11aa-aa11-00306543ecac': 'hfsplus',
  'c12a7328-f81f-11d2-ba4b-00a0c93ec93b': 'efi',
};
const MBR_EFI_TYPE = 0xef;
const MBR_PREP_TYPE = 0x41;
const MBR_PROTECTIVE_TYPE = 0xee;

export interface ImageMarks {
  gptBasdat: boolean;
  gptHfsplus: boolean;
  apmHfsplus: boolean;
}

export interface HybridMarks {
  /** Lines xorriso prints among the system area options, where it meets the GPT entries. */
  systemAreaLines: string[];
  /** -efi-boot-part --efi-boot-image: a partition marks the EFI El Torito image (not isohybrid). */
  efiBootImage: boolean;
  /** Per El Torito image, in catalog order: the -isohybrid-* options printed after its arguments. */
  images: ImageMarks[];
}

/** Derives xorriso's partition marks of El Torito images from the partition tables and their files. */
export function deriveHybridMarks(iso: string, boot: BootSetup, isoBlocks: number): HybridMarks {
  const isohybrid = boot.mbr?.bootCode === 'isohybrid';
  const images = boot.eltorito.map(() => ({ gptBasdat: false, gptHfsplus: false, apmHfsplus: false }));
  const marks: HybridMarks = { systemAreaLines: [], efiBootImage: false, images };
  // Set inside the closures below, so typed wide ('none' narrows it away otherwise).
  let efiBootPart = 'none' as 'none' | 'image' | 'interval';

  const mark = (index: number, kind: PartitionKind) => {
    const image = images[index];
    if (!image) return;
    if (kind === 'basdat' || kind === 'efi') image.gptBasdat = true;
    if (kind === 'hfsplus') image.gptHfsplus = true;
  };
  /** The first image with the partition's file: isohybrid marks it, else an EFI one is the EFI boot part. */
  const markByPath = (path: string, kind: PartitionKind) => {
    boot.eltorito.some((image, index) => {
      if (image.path !== path) return false;
      if (isohybrid) mark(index, kind);
      else if (image.platform === 'uefi') efiBootPart = 'image';
      return isohybrid || image.platform === 'uefi';
    });
  };

  for (const part of usedMbrPartitions(boot.mbr)) {
    const path = boot.partitionPaths.mbr.get(part.index);
    if (path && part.typeId !== MBR_PREP_TYPE)
      markByPath(path, part.typeId === MBR_EFI_TYPE ? 'efi' : 'unknown');
  }
  const realGpt = isRealGpt(boot, isoBlocks);
  let partLikeIsohybrid = false;
  for (const part of boot.gpt?.partitions ?? []) {
    const kind = GPT_KINDS[part.typeGuid] ?? 'unknown';
    if (boot.highestDataBlock * 4 < part.start && part.sectors > 0 && !isGapPartition(part)) {
      // A partition past the file data that starts at an El Torito image marks it, isohybrid or not.
      const index = realGpt ? -1 : boot.eltorito.findIndex((e) => e.lba === Math.floor(part.start / 4));
      const image = images[index];
      if (image) {
        if (!(image.gptBasdat || image.gptHfsplus || partLikeIsohybrid)) {
          marks.systemAreaLines.push('-part_like_isohybrid');
          partLikeIsohybrid = true;
        }
        mark(index, kind);
      }
    } else if (
      kind === 'efi' &&
      !boot.partitionPaths.gpt.has(part.index) &&
      isoBlocks * 4 >= part.start + part.sectors &&
      efiBootPart === 'none'
    ) {
      const end = part.start + part.sectors - 1;
      marks.systemAreaLines.push(
        `-efi-boot-part --interval:local_fs:${part.start}d-${end}d::${quoteAlways(iso)}`,
      );
      efiBootPart = 'interval';
    }
    const path = boot.partitionPaths.gpt.get(part.index);
    if (path) markByPath(path, kind);
  }
  if (isohybrid) markApmHfsplus(boot, images);
  marks.efiBootImage = efiBootPart === 'image';
  return marks;
}

/** An APM Apple_HFS entry (not named HFSPLUS_Hybrid) at the file of an El Torito image. */
function markApmHfsplus(boot: BootSetup, images: ImageMarks[]): void {
  for (const part of boot.apm) {
    const path = boot.partitionPaths.apm.get(part.index);
    const index = path === undefined ? -1 : boot.eltorito.findIndex((e) => e.path === path);
    const image = images[index];
    if (image && part.type === 'Apple_HFS' && part.name !== 'HFSPLUS_Hybrid') image.apmHfsplus = true;
  }
}

/** A GPT behind a protective MBR (+/- xorriso's bootable dummy) is not isohybrid-like. */
function isRealGpt(boot: BootSetup, isoBlocks: number): boolean {
  const parts = usedMbrPartitions(boot.mbr);
  const dummy = parts.some((p) => p.status === 0x80 && p.typeId === 0 && p.start === 0 && p.sectors === 1);
  return (
    (parts.length === 1 || (parts.length === 2 && dummy)) &&
    parts[0]?.typeId === MBR_PROTECTIVE_TYPE &&
    isProtectiveMsdosLabel(boot.mbr, isoBlocks)
  );
}

/** xorriso's Gap fillers between appended partitions: GPT entries whose name starts with "Gap". */
export function isGapPartition(partition: GptPartition): boolean {
  return isGapPartitionName(partition.name);
}

/** The -isohybrid-* lines xorriso prints after an El Torito image's own options. */
export function imageMarkArgs(marks: ImageMarks | undefined): string[] {
  return [
    ...(marks?.gptBasdat ? ['-isohybrid-gpt-basdat'] : []),
    ...(marks?.gptHfsplus ? ['-isohybrid-gpt-hfsplus'] : []),
    ...(marks?.apmHfsplus ? ['-isohybrid-apm-hfsplus'] : []),
  ];
}
