import { FormatError } from '../errors.ts';
import { parseApm, type ApmPartition } from '../iso/apm.ts';
import {
  type BootEntry,
  type BootImagePatches,
  parseBootCatalog,
  BOOT_IMAGE_MAX_BYTES,
  HIDDEN_IMAGE_BYTES,
  parseBootImagePatches,
  parseTablePvdLba,
} from '../iso/eltorito.ts';
import {
  LOGICAL_BLOCK,
  parseGptEntries,
  parseGptHeader,
  type GptHeader,
  type GptPartition,
} from '../iso/gpt.ts';
import type { IsoEntry, IsoImage } from '../iso/image.ts';
import { type MasterBootRecord, parseMbr } from '../iso/mbr.ts';
import { parseBootRecordCatalogLba, FIRST_DESCRIPTOR_LBA, SECTOR } from '../iso/volume.ts';
import {
  holdsRelocatedSuperblock,
  readEmulatedToc,
  readPartitionOffset,
  usedMbrPartitions,
} from './sysarea.ts';

export interface ElToritoImage extends BootEntry, BootImagePatches {
  /** The ISO file that holds the image, or null (hidden, or in an appended partition). */
  path: string | null;
  /** The MBR/GPT partition number the image lies in, beyond the ISO file system; else null. */
  partition: number | null;
}

export interface BootSetup {
  catalogLba: number | null;
  catalogPath: string | null;
  eltorito: ElToritoImage[];
  mbr: MasterBootRecord | null;
  gpt: { header: GptHeader; partitions: GptPartition[] } | null;
  apm: ApmPartition[];
  /** Partition numbers that start at a file's extent: isohybrid marks of files inside the ISO, not appended. */
  filePartitions: number[];
  /** The file each partition starts in (libisofs' "partition path"), by partition number. */
  partitionPaths: { mbr: Map<number, string>; gpt: Map<number, string>; apm: Map<number, string> };
  /** Where the ISO's partition with a second set of metadata starts, in 2048-byte blocks; else 0. */
  partitionOffset: number;
  /** The last 2048-byte block that holds file data (xorriso's "highest data block"). */
  highestDataBlock: number;
  /** xorriso's TOC emulation: the session 32 blocks in, its superblock relocated there. */
  emulatedToc: boolean;
}

const SYSTEM_AREA_BYTES = 16 * SECTOR;

/** Reads El Torito, MBR, GPT and APM: everything a firmware looks at before the file system. */
export async function readBootSetup(image: IsoImage, files: readonly IsoEntry[]): Promise<BootSetup> {
  const systemArea = await image.readRange(0, SYSTEM_AREA_BYTES);
  const bootRecord = image.descriptors.find((d) => parseBootRecordCatalogLba(d) !== null);
  const catalogLba = bootRecord ? parseBootRecordCatalogLba(bootRecord) : null;
  const entries = catalogLba === null ? [] : await readCatalog(image, catalogLba);
  const sizes = new Map(files.filter((f) => !f.isDirectory).map((f) => [f.extentLba, f.size]));
  const patches = await Promise.all(entries.map((entry) => readPatches(image, entry, sizes)));
  const first = entries[0] && patches[0] ? { lba: entries[0].lba, ...patches[0] } : null;
  const mbr = parseMbr(systemArea.subarray(0, 512), first);
  const gpt = await readGpt(image, systemArea);
  const apm = parseApm(systemArea);
  const byLba = new Map(files.filter((f) => !f.isDirectory).map((f) => [f.extentLba, f.path]));
  const holders = holderPartitions(mbr, gpt?.partitions ?? []);
  const partitionOffset = await readPartitionOffset(image, mbr, gpt?.partitions ?? []);
  const eltorito = entries.map((entry, i) => ({
    ...describeImage(entry, byLba, holders),
    ...(patches[i] ?? NO_PATCHES),
  }));
  return {
    catalogLba,
    catalogPath: catalogLba === null ? null : (byLba.get(catalogLba) ?? null),
    eltorito,
    mbr,
    gpt,
    apm,
    filePartitions: partitionsAtFiles(mbr, gpt?.partitions ?? [], byLba),
    partitionPaths: partitionPaths(mbr, gpt?.partitions ?? [], apm, files),
    partitionOffset,
    highestDataBlock: highestDataBlock(files) ?? image.primary.volumeBlocks - 1,
    emulatedToc: await readEmulatedToc(image, partitionOffset),
  };
}

async function readCatalog(image: IsoImage, catalogLba: number): Promise<BootEntry[]> {
  if ((catalogLba + 1) * SECTOR > image.sizeBytes) {
    throw new FormatError(`El Torito boot catalog at block ${catalogLba} lies beyond the end of the image`);
  }
  return parseBootCatalog(await image.readSectors(catalogLba, 1));
}

async function readGpt(image: IsoImage, systemArea: Uint8Array): Promise<BootSetup['gpt']> {
  const header = parseGptHeader(systemArea.subarray(LOGICAL_BLOCK, LOGICAL_BLOCK * 2));
  if (!header) return null;
  const bytes = header.entryCount * header.entrySize;
  const offset = header.entriesLba * LOGICAL_BLOCK;
  const table =
    offset + bytes <= SYSTEM_AREA_BYTES
      ? systemArea.subarray(offset, offset + bytes)
      : await image.readRange(offset, bytes);
  return { header, partitions: parseGptEntries(header, table) };
}

const NO_PATCHES: BootImagePatches = { bootInfoTable: false, grub2BootInfo: false, isohybridCapable: false };

/** What xorriso patched into a boot image (boot info table, GRUB2 boot info, isolinux magic). */
async function readPatches(
  image: IsoImage,
  entry: BootEntry,
  fileSizes: ReadonlyMap<number, number>,
): Promise<BootImagePatches> {
  const fileBytes = fileSizes.get(entry.lba) ?? HIDDEN_IMAGE_BYTES;
  const start = entry.lba * SECTOR;
  if (fileBytes > BOOT_IMAGE_MAX_BYTES || start + fileBytes > image.sizeBytes) return NO_PATCHES;
  const bytes = await image.readRange(start, fileBytes);
  const pvdLba = await readTablePvdLba(image, bytes);
  return parseBootImagePatches(bytes, { lba: entry.lba, fileBytes, pvdLba });
}

/**
 * The PVD a boot info table must name: 16, or where the table points when a whole superblock with
 * a matching size is there (libisofs: "eventually relocated superblock", as xorriso's emulated TOC
 * writes it: the session at block 32 and its PVD at 48, the image's size less those 32 blocks).
 */
async function readTablePvdLba(image: IsoImage, bytes: Uint8Array): Promise<number> {
  const named = parseTablePvdLba(bytes);
  if (named === null || named === FIRST_DESCRIPTOR_LBA) return FIRST_DESCRIPTOR_LBA;
  return (await holdsRelocatedSuperblock(image, named)) ? named : FIRST_DESCRIPTOR_LBA;
}

interface Holder {
  index: number;
  start: number;
  sectors: number;
}

/** Partitions beyond the ISO file system (partition 1) that may hold an appended boot image. */
function holderPartitions(mbr: MasterBootRecord | null, gpt: readonly GptPartition[]): Holder[] {
  return [
    ...gpt.map((p) => ({ index: p.index, start: p.start, sectors: p.sectors })),
    ...(gpt.length ? [] : (mbr?.partitions ?? []).filter((p) => p.typeId !== 0xee)),
  ].filter((p) => p.index > 1);
}

function describeImage(
  entry: BootEntry,
  byLba: ReadonlyMap<number, string>,
  holders: readonly Holder[],
): Omit<ElToritoImage, keyof BootImagePatches> {
  const sector = entry.lba * 4;
  // An image without a file that lies in a partition after the ISO file system was appended.
  const path = byLba.get(entry.lba) ?? null;
  const partition = path ? undefined : holders.find((p) => sector >= p.start && sector < p.start + p.sectors);
  return { ...entry, path, partition: partition?.index ?? null };
}

function partitionsAtFiles(
  mbr: MasterBootRecord | null,
  gpt: readonly GptPartition[],
  byLba: ReadonlyMap<number, string>,
): number[] {
  const parts = gpt.length ? gpt : (mbr?.partitions ?? []);
  return parts.filter((p) => p.index > 1 && p.start % 4 === 0 && byLba.has(p.start / 4)).map((p) => p.index);
}

/** A 2048-byte block range of file data, as libisofs looks a block up in the tree. */
interface FileExtent {
  path: string;
  first: number;
  blocks: number;
}

function fileExtents(files: readonly IsoEntry[]): FileExtent[] {
  return files
    .filter((f) => !f.isDirectory && !f.isSymlink && f.size > 0)
    .map((f) => ({ path: f.path, first: f.extentLba, blocks: Math.ceil(f.size / SECTOR) }));
}

function highestDataBlock(files: readonly IsoEntry[]): number | null {
  const extents = fileExtents(files);
  return extents.length ? Math.max(...extents.map((e) => e.first + e.blocks - 1)) : null;
}

/** For each partition, the file whose data holds the partition's first block (2048-byte). */
function partitionPaths(
  mbr: MasterBootRecord | null,
  gpt: readonly GptPartition[],
  apm: readonly ApmPartition[],
  files: readonly IsoEntry[],
): BootSetup['partitionPaths'] {
  const extents = fileExtents(files);
  const pathAt = (block: number) => extents.find((e) => block >= e.first && block < e.first + e.blocks)?.path;
  const byIndex = (parts: readonly { index: number; block: number }[]) =>
    new Map(
      parts.flatMap(({ index, block }) => {
        const path = pathAt(block);
        return path === undefined ? [] : [[index, path] as const];
      }),
    );
  return {
    mbr: byIndex(usedMbrPartitions(mbr).map((p) => ({ index: p.index, block: Math.floor(p.start / 4) }))),
    gpt: byIndex(
      gpt.filter((p) => p.sectors > 0).map((p) => ({ index: p.index, block: Math.floor(p.start / 4) })),
    ),
    apm: byIndex(
      apm
        .filter((p) => p.blocks > 0)
        .map((p) => ({ index: p.index, block: Math.floor(p.start / (SECTOR / p.blockSize)) })),
    ),
  };
}
