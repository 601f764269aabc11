import { type GptPartition, guidToXorrisoHex } from '../iso/gpt.ts';
import type { MbrPartition } from '../iso/mbr.ts';
import type { PrimaryVolume } from '../iso/volume.ts';
import { quoteAlways } from '../ui/shell.ts';
import type { BootSetup, ElToritoImage } from './boot.ts';

const DEFAULT_MBR_TYPE = 0xcd;
// Past cylinder 1023 the CHS fields saturate and carry no geometry (xorriso then omits it).
const CHS_LIMIT = 1023;

/**
 * The `xorriso -as mkisofs` boot options that rebuild this ISO's boot setup, derived from the
 * parsed tables (the same lines `xorriso -report_el_torito as_mkisofs` prints).
 */
export function deriveMkisofsArgs(iso: string, volume: PrimaryVolume, boot: BootSetup): string[] {
  const lines = [`-V ${quoteAlways(volume.volumeId)}`];
  if (volume.modifiedRaw) lines.push(`--modification-date=${quoteAlways(volume.modifiedRaw)}`);
  lines.push(...systemAreaArgs(iso, boot, volume.volumeBlocks));
  if (boot.catalogPath) lines.push(`-c ${quoteAlways(boot.catalogPath)}`);
  boot.eltorito.forEach((image, index) => {
    if (index > 0) lines.push('-eltorito-alt-boot');
    lines.push(...imageArgs(iso, image, boot));
  });
  return lines;
}

function systemAreaArgs(iso: string, boot: BootSetup, isoBlocks: number): string[] {
  const { mbr, gpt } = boot;
  if (!mbr) return [];
  const lines: string[] = [];
  const zero = ['zero_mbrpt', ...(gpt ? ['zero_gpt'] : []), ...(boot.apm.length ? ['zero_apm'] : [])].join(
    ',',
  );
  // xorriso names the boot code it recognised first, in the order isohybrid, GRUB2.
  if (mbr.bootCode === 'isohybrid')
    lines.push(`-isohybrid-mbr --interval:local_fs:0s-15s:${zero}:${quoteAlways(iso)}`);
  if (mbr.bootCode === 'grub2')
    lines.push(`--grub2-mbr --interval:local_fs:0s-15s:${zero}:${quoteAlways(iso)}`);
  const genericCode = mbr.bootCode === 'none' || mbr.bootCode === 'other';
  const first = mbr.partitions[0];
  // The MBR's first partition starts after sector 0 only when it guards, not holds, the ISO.
  if (first && first.start > 0) lines.push('--protective-msdos-label');
  const geometry = first ? diskGeometry(first) : null;
  lines.push(`-partition_cyl_align ${cylinderAlignment(mbr.partitions, geometry, isoBlocks)}`);
  lines.push(`-partition_offset ${isoPartitionOffset(boot)}`);
  if (geometry) lines.push(`-partition_hd_cyl ${geometry.heads}`, `-partition_sec_hd ${geometry.sectors}`);
  if (mbr.partitions.some((p) => p.bootable)) lines.push('--mbr-force-bootable');
  for (const part of appendedPartitions(boot)) {
    const end = part.start + part.sectors - 1;
    lines.push(
      `-append_partition ${part.index} ${part.type} --interval:local_fs:${part.start}d-${end}d::${quoteAlways(iso)}`,
    );
  }
  if (gpt && mbr.protective && appendedPartitions(boot).length) lines.push('-appended_part_as_gpt');
  const apmBlockSize = boot.apm[0]?.blockSize;
  if (apmBlockSize) lines.push(`-apm-block-size ${apmBlockSize}`);
  // Boot code xorriso has no name for (or none) is replayed as a generic system area (-G).
  if (genericCode) lines.push(`-G --interval:local_fs:0s-15s:${zero}:${quoteAlways(iso)}`);
  const isoType = isoPartitionType(boot);
  if (isoType) lines.push(`-iso_mbr_part_type ${isoType}`);
  if (hasEfiBootPartition(boot)) lines.push('-efi-boot-part --efi-boot-image');
  return lines;
}

const GEOMETRIES = [
  { heads: 64, sectors: 32 },
  { heads: 255, sectors: 63 },
];

/** The heads/sectors geometry the partition's end CHS was written with, when CHS still carries one. */
function diskGeometry(partition: MbrPartition): { heads: number; sectors: number } | null {
  const last = partition.start + partition.sectors - 1;
  return (
    GEOMETRIES.find(({ heads, sectors }) => {
      const cylinder = Math.floor(last / (heads * sectors));
      if (cylinder >= CHS_LIMIT) return false;
      const head = Math.floor(last / sectors) % heads;
      const sector = (last % sectors) + 1;
      const chs = partition.endChs;
      return chs.cylinder === cylinder && chs.head === head && chs.sector === sector;
    }) ?? null
  );
}

/**
 * xorriso's reading of cylinder alignment (libisofs iso_analyze_mbr_ptable): "on" when the first
 * partition ends on a cylinder boundary, "all" when every one does and one starts at or past the
 * ISO's block count (xorriso compares its 512-byte start with the 2048-byte count, as here).
 */
function cylinderAlignment(
  partitions: readonly MbrPartition[],
  geometry: { heads: number; sectors: number } | null,
  isoBlocks: number,
): 'on' | 'off' | 'all' {
  const used = partitions.filter((p) => p.sectors > 0);
  if (!geometry || !used.length) return 'off';
  const cylinder = geometry.heads * geometry.sectors;
  const aligned = used.findIndex((p) => (p.start + p.sectors) % cylinder !== 0);
  const alignedCount = aligned === -1 ? used.length : aligned;
  if (alignedCount === used.length && used.some((p) => p.start >= isoBlocks)) return 'all';
  return alignedCount >= 1 ? 'on' : 'off';
}

/** Where the ISO file system's partition starts, in 2048-byte blocks (-partition_offset). */
function isoPartitionOffset(boot: BootSetup): number {
  const first = isoGptPartition(boot);
  return first && first.start > 0 && first.start % 4 === 0 && first.start <= 64 ? first.start / 4 : 0;
}

/** The GPT partition that holds the ISO file system: the first one, unless it is a Gap filler. */
function isoGptPartition(boot: BootSetup): GptPartition | undefined {
  const first = boot.gpt?.partitions[0];
  return first && first.index === 1 && !isGapPartition(first) ? first : undefined;
}

function isGapPartition(partition: GptPartition): boolean {
  return /^Gap\d*$/.test(partition.name);
}

/** A GPT partition inside the ISO that marks the El Torito EFI image file (isohybrid-gpt-basdat). */
function hasEfiBootPartition(boot: BootSetup): boolean {
  const efiSectors = boot.eltorito.filter((e) => e.platform === 'uefi' && e.path).map((e) => e.lba * 4);
  return (boot.gpt?.partitions ?? []).some(
    (p) => boot.filePartitions.includes(p.index) && efiSectors.includes(p.start),
  );
}

function isoPartitionType(boot: BootSetup): string | null {
  // A protective MBR says nothing about the ISO: its partition type then lives in the GPT.
  if (boot.gpt && boot.mbr?.protective) {
    const gptFirst = isoGptPartition(boot);
    return gptFirst ? guidToXorrisoHex(gptFirst.typeGuid) : null;
  }
  const mbrFirst = boot.mbr?.partitions[0];
  if (!mbrFirst || mbrFirst.typeId === DEFAULT_MBR_TYPE || mbrFirst.typeId === 0xee) return null;
  return mbrFirst.type;
}

interface Appended {
  index: number;
  type: string;
  start: number;
  sectors: number;
}

/** Partitions xorriso appended after the ISO file system (not the ISO itself, not a Gap filler). */
export function appendedPartitions(boot: BootSetup): Appended[] {
  if (boot.gpt) {
    return boot.gpt.partitions
      .filter(
        (p) => p !== isoGptPartition(boot) && !isGapPartition(p) && !boot.filePartitions.includes(p.index),
      )
      .map((p) => ({
        index: p.index,
        type: guidToXorrisoHex(p.typeGuid),
        start: p.start,
        sectors: p.sectors,
      }));
  }
  return (boot.mbr?.partitions ?? [])
    .filter((p) => p.index > 1 && p.typeId !== 0 && !boot.filePartitions.includes(p.index))
    .map((p) => ({ index: p.index, type: p.type, start: p.start, sectors: p.sectors }));
}

function imageArgs(iso: string, image: ElToritoImage, boot: BootSetup): string[] {
  const lines: string[] = [];
  const flag = image.platform === 'uefi' ? '-e' : '-b';
  if (image.platform !== 'bios' && image.platform !== 'uefi')
    lines.push(`-eltorito-platform ${image.platform}`);
  if (image.path) {
    lines.push(`${flag} ${quoteAlways(image.path)}`);
  } else if (image.partition !== null) {
    const part = appendedPartitions(boot).find((p) => p.index === image.partition);
    const size = part?.sectors ?? image.loadSectors;
    lines.push(
      `${flag} '--interval:appended_partition_${image.partition}_start_${image.lba}s_size_${size}d:all::'`,
    );
  } else {
    const start = image.lba * 4;
    lines.push(`${flag} '--interval:local_fs:${start}d-${start + image.loadSectors - 1}d::${iso}'`);
  }
  if (image.emulation === 'none') lines.push('-no-emul-boot');
  if (!image.bootable) lines.push('-eltorito-no-boot');
  if (image.loadSectors) lines.push(`-boot-load-size ${image.loadSectors}`);
  if (image.bootInfoTable) lines.push('-boot-info-table');
  if (image.grub2BootInfo) lines.push('--grub2-boot-info');
  return lines;
}
