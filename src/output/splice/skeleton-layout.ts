import { parseApm } from '../../iso/apm.ts';
import { ByteView } from '../../iso/bytes.ts';
import {
  type GptPartition,
  GPT_SIGNATURE,
  LOGICAL_BLOCK,
  parseGptEntries,
  parseGptHeader,
} from '../../iso/gpt.ts';
import { IsoImage } from '../../iso/image.ts';
import { DescriptorType, FIRST_DESCRIPTOR_LBA, parseDescriptorHeader, SECTOR } from '../../iso/volume.ts';
import { type PlacedRecord, readTreeRecords } from './directory-records.ts';
import { type ChsEntry, type Geometry, geometriesOf } from './mbr-chs.ts';
import { backupGpt } from './gpt-copy.ts';

/** A field of the image holding a block address or count, and its value. */
export interface AddressField {
  offset: number;
  value: number;
}

/** A volume space size field, in blocks counted from BASE (a partition offset's second set counts from there). */
export interface VolumeSize {
  offset: number;
  blocks: number;
  base: number;
}

export interface MbrEntry extends ChsEntry {
  offset: number;
  bytes: Uint8Array;
}

export interface GptTables {
  /** The primary header (its own size) and entry array, as the skeleton has them. */
  header: Uint8Array;
  entries: Uint8Array;
  entriesLba: number;
}

/**
 * What of a skeleton image (the ISO written by xorriso with a one-block stand-in for a large file,
 * placed last of all file data) points at or past the stand-in: everything that changes when the
 * real file takes the stand-in's place and what followed moves up.
 */
export interface SkeletonLayout {
  sizeBytes: number;
  /** The stand-in's block. */
  standIn: number;
  /** The stand-in's directory records: one per tree (ISO 9660, Joliet, and their copies at a partition offset). */
  records: PlacedRecord[];
  /** Volume space sizes (ECMA-119 8.4.8, both-endian) whose volume takes in the stand-in. */
  volumeSizes: VolumeSize[];
  /** El Torito entries (load RBA, little-endian) of images after the stand-in: an appended EFI partition. */
  bootImages: AddressField[];
  mbr: { entries: MbrEntry[]; geometries: Geometry[] } | null;
  gpt: GptTables | null;
}

export type LayoutReading = { layout: SkeletonLayout } | { unsupported: string };

const SYSTEM_AREA = FIRST_DESCRIPTOR_LBA * SECTOR;
const MAX_DESCRIPTORS = 64;
const MD5_TAG = 'libisofs_sb_checksum_tag_v1';

/**
 * Reads the skeleton at PATH, whose file ISOPATH is the STANDINSIZE-byte stand-in. Says why not
 * when the image holds anything this splice does not know how to move: the caller then lets
 * xorriso copy the file.
 */
export async function readSkeletonLayout(
  path: string,
  isoPath: string,
  standInSize: number,
): Promise<LayoutReading> {
  await using image = await IsoImage.open(path);
  const entry = await image.stat(isoPath);
  if (!entry || entry.isDirectory || entry.size !== standInSize)
    return { unsupported: `the written tree has no ${standInSize}-byte stand-in at ${isoPath}` };
  if (image.sizeBytes % SECTOR !== 0) return { unsupported: 'the image is not a whole number of blocks' };
  const read = (offset: number, length: number) => image.readRange(offset, length);
  const systemArea = await read(0, SYSTEM_AREA);
  const found = await readSystemArea(read, systemArea, image.sizeBytes);
  if ('unsupported' in found) return found;
  const standIn = entry.extentLba;
  const bases = [0, ...(await partitionOffsets(read, found.offsets, standIn))];
  const volumes = [];
  for (const base of bases) {
    const set = await readDescriptorSet(read, base, standIn);
    if ('unsupported' in set) return set;
    volumes.push(set);
  }
  const records = volumes.flatMap((set) => set.records);
  const late = records.find(
    (r) => r.extent !== standIn && r.size > 0 && r.extent + Math.ceil(r.size / SECTOR) > standIn,
  );
  if (late) return { unsupported: `the stand-in is not the last file data (block ${late.extent} follows)` };
  const own = records.filter((r) => r.extent === standIn);
  if (own.some((r) => r.multiExtent || r.isDirectory || r.size !== standInSize))
    return { unsupported: 'another record shares the stand-in block' };
  const bootImages = volumes.flatMap((set) => set.bootImages);
  if (bootImages.some((field) => field.value === standIn))
    return { unsupported: 'a boot image starts at the stand-in' };
  return {
    layout: {
      sizeBytes: image.sizeBytes,
      standIn,
      records: own,
      volumeSizes: volumes.flatMap((set) => set.volumeSizes).filter((v) => v.base + v.blocks > standIn),
      bootImages: bootImages.filter((field) => field.value > standIn),
      mbr: found.mbr,
      gpt: found.gpt,
    },
  };
}

type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

interface SystemAreaFound {
  mbr: SkeletonLayout['mbr'];
  gpt: GptTables | null;
  /** Partition starts in 2048-byte blocks: where a second set of descriptors may lie. */
  offsets: number[];
}

/** The MBR and GPT of the system area; anything else in it (APM, SUN or MIPS labels) is not moved here. */
async function readSystemArea(
  read: ReadRange,
  systemArea: Uint8Array,
  sizeBytes: number,
): Promise<SystemAreaFound | { unsupported: string }> {
  const view = new ByteView(systemArea, 'system area');
  if (parseApm(systemArea).length) return { unsupported: 'the image has an Apple partition map' };
  const hasMbr = view.u8(510) === 0x55 && view.u8(511) === 0xaa;
  if (!hasMbr)
    return view.isZero(0, SYSTEM_AREA)
      ? { mbr: null, gpt: null, offsets: [] }
      : { unsupported: 'the system area holds something other than an MBR' };
  const entries = readMbrEntries(view);
  const geometries = geometriesOf(entries);
  if (!geometries.length) return { unsupported: 'the MBR CHS fields follow no disk geometry' };
  if (cylinderAligned(entries, geometries))
    return { unsupported: 'the image is padded to a whole cylinder (-partition_cyl_align)' };
  const gpt = await readGpt(read, view, sizeBytes);
  if (typeof gpt === 'string') return { unsupported: gpt };
  const starts = [...entries, ...(gpt?.partitions ?? [])]
    .map((e) => e.start)
    .filter((start) => start > 0 && start % (SECTOR / LOGICAL_BLOCK) === 0);
  return {
    mbr: { entries, geometries },
    gpt: gpt?.tables ?? null,
    offsets: starts.map((s) => s / (SECTOR / LOGICAL_BLOCK)),
  };
}

function readMbrEntries(view: ByteView): MbrEntry[] {
  const entries: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const offset = 446 + i * 16;
    const entry = view.sub(offset, 16);
    if (entry.isZero(0, 16)) continue;
    entries.push({
      offset,
      bytes: Uint8Array.from(entry.bytes),
      start: entry.u32le(8),
      sectors: entry.u32le(12),
      startChs: [entry.u8(1), entry.u8(2), entry.u8(3)],
      endChs: [entry.u8(5), entry.u8(6), entry.u8(7)],
    });
  }
  return entries;
}

/** A partition that ends on a cylinder boundary may have been padded to it: a size this splice cannot keep. */
function cylinderAligned(entries: readonly MbrEntry[], geometries: readonly Geometry[]): boolean {
  return entries.some(
    (e) =>
      e.sectors > 1 &&
      geometries.some(({ heads, sectors }) => (e.start + e.sectors) % (heads * sectors) === 0),
  );
}

/** The primary GPT, if any, checked to have its backup as libisofs writes it: at the image's end. */
async function readGpt(
  read: ReadRange,
  systemArea: ByteView,
  sizeBytes: number,
): Promise<{ tables: GptTables; partitions: GptPartition[] } | null | string> {
  if (systemArea.ascii(LOGICAL_BLOCK, 8) !== GPT_SIGNATURE) return null;
  const parsed = parseGptHeader(systemArea.slice(LOGICAL_BLOCK, LOGICAL_BLOCK));
  if (!parsed) return null;
  const headerSize = systemArea.u32le(LOGICAL_BLOCK + 12);
  const tables: GptTables = {
    header: Uint8Array.from(systemArea.slice(LOGICAL_BLOCK, headerSize)),
    entries: await read(parsed.entriesLba * LOGICAL_BLOCK, parsed.entryCount * parsed.entrySize),
    entriesLba: parsed.entriesLba,
  };
  const lastLba = sizeBytes / LOGICAL_BLOCK - 1;
  if (parsed.currentLba !== 1 || parsed.backupLba !== lastLba)
    return 'the GPT backup header is not in the last sector of the image';
  const expected = backupGpt(tables, lastLba);
  const header = await read(expected.headerOffset, expected.header.length);
  const entries = await read(expected.entriesOffset, expected.entries.length);
  if (!Buffer.from(header).equals(expected.header) || !Buffer.from(entries).equals(expected.entries))
    return 'the GPT backup is not a copy of the primary GPT';
  return { tables, partitions: parseGptEntries(parsed, tables.entries) };
}

/** Partition starts (in blocks) before the stand-in where a second primary volume descriptor lies. */
async function partitionOffsets(
  read: ReadRange,
  offsets: readonly number[],
  standIn: number,
): Promise<number[]> {
  const found: number[] = [];
  for (const base of new Set(offsets)) {
    if (base + FIRST_DESCRIPTOR_LBA >= standIn) continue;
    const lba = base + FIRST_DESCRIPTOR_LBA;
    const descriptor = parseDescriptorHeader(await read(lba * SECTOR, SECTOR), lba);
    if (descriptor?.type === DescriptorType.primary) found.push(base);
  }
  return found;
}

interface DescriptorSet {
  records: PlacedRecord[];
  volumeSizes: VolumeSize[];
  bootImages: AddressField[];
}

/** The descriptor set at BASE + 16: its volume sizes, its trees' records and its El Torito entries. */
async function readDescriptorSet(
  read: ReadRange,
  base: number,
  standIn: number,
): Promise<DescriptorSet | { unsupported: string }> {
  const set: DescriptorSet = { records: [], volumeSizes: [], bootImages: [] };
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const lba = base + FIRST_DESCRIPTOR_LBA + i;
    const bytes = await read(lba * SECTOR, SECTOR);
    const descriptor = parseDescriptorHeader(bytes, lba);
    if (!descriptor) return { unsupported: `block ${lba} ends the volume descriptors without a terminator` };
    const view = new ByteView(bytes, `volume descriptor at block ${lba}`);
    if (descriptor.type === DescriptorType.terminator) {
      const next = await read((lba + 1) * SECTOR, SECTOR);
      if (new TextDecoder('latin1').decode(next).includes(MD5_TAG))
        return { unsupported: 'the image carries libisofs MD5 checksum tags' };
      return set;
    }
    if (descriptor.type === DescriptorType.primary || descriptor.type === DescriptorType.supplementary) {
      set.volumeSizes.push({ offset: lba * SECTOR + 80, blocks: view.u32le(80), base });
      set.records.push(...(await readTreeRecords(read, view.slice(156, 34), base)));
    } else if (descriptor.type === DescriptorType.boot && base === 0) {
      const catalog = await readCatalogImages(read, view, standIn);
      if (typeof catalog === 'string') return { unsupported: catalog };
      set.bootImages.push(...catalog);
    } else return { unsupported: `volume descriptor type ${descriptor.type} at block ${lba}` };
  }
  return { unsupported: 'more volume descriptors than an ISO holds' };
}

const CATALOG_ENTRY = 32;

/** The load RBA field of every El Torito boot entry (El Torito 1.0 sections 2.2 to 2.4). */
async function readCatalogImages(
  read: ReadRange,
  bootRecord: ByteView,
  standIn: number,
): Promise<AddressField[] | string> {
  if (bootRecord.ascii(7, 32) !== 'EL TORITO SPECIFICATION') return 'a boot record that is not El Torito';
  const catalogLba = bootRecord.u32le(71);
  if (catalogLba >= standIn) return 'the boot catalog lies after the stand-in';
  const catalog = new ByteView(await read(catalogLba * SECTOR, SECTOR), 'El Torito boot catalog');
  const at = catalogLba * SECTOR;
  const fields: AddressField[] = [
    { offset: at + CATALOG_ENTRY + 8, value: catalog.u32le(CATALOG_ENTRY + 8) },
  ];
  let offset = CATALOG_ENTRY * 2;
  for (let more = true; more && offset + CATALOG_ENTRY <= SECTOR;) {
    const header = catalog.u8(offset);
    if (header !== 0x90 && header !== 0x91) break;
    more = header === 0x90;
    const count = catalog.u16le(offset + 2);
    offset += CATALOG_ENTRY;
    for (let i = 0; i < count && offset + CATALOG_ENTRY <= SECTOR; i++, offset += CATALOG_ENTRY)
      if (catalog.u8(offset) !== 0x44)
        fields.push({ offset: at + offset + 8, value: catalog.u32le(offset + 8) });
  }
  return fields;
}
