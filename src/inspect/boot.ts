import { FormatError } from '../errors.ts';
import { parseApm, type ApmPartition } from '../iso/apm.ts';
import { type BootEntry, parseBootCatalog, parseBootImagePatches } from '../iso/eltorito.ts';
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

export interface ElToritoImage extends BootEntry {
  /** The ISO file that holds the image, or null (hidden, or in an appended partition). */
  path: string | null;
  /** The MBR/GPT partition number the image lies in, beyond the ISO file system; else null. */
  partition: number | null;
  bootInfoTable: boolean;
  grub2BootInfo: boolean;
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
  const mbr = parseMbr(systemArea.subarray(0, 512));
  const gpt = await readGpt(image, systemArea);
  const apm = parseApm(systemArea);
  const bootRecord = image.descriptors.find((d) => parseBootRecordCatalogLba(d) !== null);
  const catalogLba = bootRecord ? parseBootRecordCatalogLba(bootRecord) : null;
  const byLba = new Map(files.filter((f) => !f.isDirectory).map((f) => [f.extentLba, f.path]));
  const eltorito: ElToritoImage[] = [];
  if (catalogLba !== null) {
    if ((catalogLba + 1) * SECTOR > image.sizeBytes) {
      throw new FormatError(`El Torito boot catalog at block ${catalogLba} lies beyond the end of the image`);
    }
    for (const entry of parseBootCatalog(await image.readSectors(catalogLba, 1))) {
      eltorito.push(await describeImage(image, entry, byLba, mbr, gpt?.partitions ?? []));
    }
  }
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

async function describeImage(
  image: IsoImage,
  entry: BootEntry,
  byLba: ReadonlyMap<number, string>,
  mbr: MasterBootRecord | null,
  gpt: readonly GptPartition[],
): Promise<ElToritoImage> {
  const sector = entry.lba * 4;
  // Partition 1 is the ISO file system itself; an image without a file in a later one was appended.
  const holders = [
    ...gpt.map((p) => ({ index: p.index, start: p.start, sectors: p.sectors })),
    ...(gpt.length ? [] : (mbr?.partitions ?? []).filter((p) => p.typeId !== 0xee)),
  ].filter((p) => p.index > 1);
  const path = byLba.get(entry.lba) ?? null;
  const partition = path ? undefined : holders.find((p) => sector >= p.start && sector < p.start + p.sectors);
  let patches = { bootInfoTable: false, grub2BootInfo: false };
  if (entry.platform === 'bios' && entry.lba * SECTOR + GRUB2_INFO_END <= image.sizeBytes) {
    patches = parseBootImagePatches(await image.readRange(entry.lba * SECTOR, GRUB2_INFO_END), entry.lba);
  }
  return { ...entry, path, partition: partition?.index ?? null, ...patches };
}

function partitionsAtFiles(
  mbr: MasterBootRecord | null,
  gpt: readonly GptPartition[],
  byLba: ReadonlyMap<number, string>,
): number[] {
  const parts = gpt.length ? gpt : (mbr?.partitions ?? []);
  return parts.filter((p) => p.index > 1 && p.start % 4 === 0 && byLba.has(p.start / 4)).map((p) => p.index);
}
