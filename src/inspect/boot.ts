import { FormatError } from '../errors.ts';
import { parseApm, type ApmPartition } from '../iso/apm.ts';
import {
  type BootEntry,
  type BootImagePatches,
  parseBootCatalog,
  parseBootImagePatches,
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
import { parseBootRecordCatalogLba, SECTOR } from '../iso/volume.ts';

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
}

const SYSTEM_AREA_BYTES = 16 * SECTOR;
const GRUB2_INFO_END = 2560;

/** Reads El Torito, MBR, GPT and APM: everything a firmware looks at before the file system. */
export async function readBootSetup(image: IsoImage, files: readonly IsoEntry[]): Promise<BootSetup> {
  const systemArea = await image.readRange(0, SYSTEM_AREA_BYTES);
  const bootRecord = image.descriptors.find((d) => parseBootRecordCatalogLba(d) !== null);
  const catalogLba = bootRecord ? parseBootRecordCatalogLba(bootRecord) : null;
  const entries = catalogLba === null ? [] : await readCatalog(image, catalogLba);
  const patches = await Promise.all(entries.map((entry) => readPatches(image, entry)));
  const first = entries[0] && patches[0] ? { lba: entries[0].lba, ...patches[0] } : null;
  const mbr = parseMbr(systemArea.subarray(0, 512), first);
  const gpt = await readGpt(image, systemArea);
  const apm = parseApm(systemArea);
  const byLba = new Map(files.filter((f) => !f.isDirectory).map((f) => [f.extentLba, f.path]));
  const holders = holderPartitions(mbr, gpt?.partitions ?? []);
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

/** What xorriso patched into a BIOS boot image (boot info table, GRUB2 boot info, isolinux magic). */
async function readPatches(image: IsoImage, entry: BootEntry): Promise<BootImagePatches> {
  if (entry.platform !== 'bios' || entry.lba * SECTOR + GRUB2_INFO_END > image.sizeBytes) return NO_PATCHES;
  return parseBootImagePatches(await image.readRange(entry.lba * SECTOR, GRUB2_INFO_END), entry.lba);
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
