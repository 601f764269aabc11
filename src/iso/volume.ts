import { FormatError } from '../errors.ts';
import { ByteView } from './bytes.ts';

/** ECMA-119 constants: volume descriptors start at logical sector 16, 2048 bytes each. */
export const SECTOR = 2048;
export const FIRST_DESCRIPTOR_LBA = 16;
const STANDARD_ID = 'CD001';
export const DescriptorType = {
  boot: 0,
  primary: 1,
  supplementary: 2,
  partition: 3,
  terminator: 255,
} as const;

export interface VolumeDescriptor {
  type: number;
  lba: number;
  bytes: Uint8Array;
}

export interface PrimaryVolume {
  systemId: string;
  volumeId: string;
  volumeSetId: string;
  publisherId: string;
  preparerId: string;
  applicationId: string;
  /** Volume space size in 2048-byte blocks (ECMA-119 8.4.8). */
  volumeBlocks: number;
  blockSize: number;
  created: string | null;
  modified: string | null;
  /** The raw 16-digit modification date, as xorriso's --modification-date takes it. */
  modifiedRaw: string;
  /** The root directory record (34 bytes), to walk the tree. */
  rootRecord: Uint8Array;
}

/** Parses one 2048-byte volume descriptor header; null at a sector that is not one. */
export function parseDescriptorHeader(bytes: Uint8Array, lba: number): VolumeDescriptor | null {
  const view = new ByteView(bytes, `volume descriptor at sector ${lba}`);
  if (view.ascii(1, 5) !== STANDARD_ID) return null;
  return { type: view.u8(0), lba, bytes };
}

/** ECMA-119 8.4.26.1 dec-datetime: "YYYYMMDDHHMMSScc" + GMT offset in 15-minute units. */
export function parseDecDateTime(view: ByteView, offset: number): string | null {
  const text = view.ascii(offset, 16);
  if (!/^\d{16}$/.test(text) || /^0+$/.test(text)) return null;
  const offsetQuarter = (view.u8(offset + 16) << 24) >> 24;
  const sign = offsetQuarter < 0 ? '-' : '+';
  const minutes = Math.abs(offsetQuarter) * 15;
  const zone = `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(8, 10)}:${text.slice(10, 12)}:${text.slice(12, 14)}.${text.slice(14, 16)}${zone}`;
}

/** The volume space size of a whole primary volume descriptor at BYTES (ECMA-119 8.4), else null. */
export function parsePrimaryVolumeBlocks(bytes: Uint8Array): number | null {
  const view = new ByteView(bytes, 'primary volume descriptor');
  const whole =
    view.length >= SECTOR &&
    view.u8(0) === DescriptorType.primary &&
    view.ascii(1, 5) === STANDARD_ID &&
    view.u8(6) === 1 &&
    view.u8(881) === 1;
  return whole ? view.u32le(80) : null;
}

/** ECMA-119 8.4: the primary volume descriptor. */
export function parsePrimaryVolume(bytes: Uint8Array): PrimaryVolume {
  const view = new ByteView(bytes, 'primary volume descriptor');
  if (view.u8(0) !== DescriptorType.primary || view.ascii(1, 5) !== STANDARD_ID) {
    throw new FormatError('sector 16 holds no ISO 9660 primary volume descriptor');
  }
  const blockSize = view.u16le(128);
  if (blockSize !== SECTOR) throw new FormatError(`unsupported ISO 9660 block size ${blockSize}`);
  return {
    systemId: view.ascii(8, 32),
    volumeId: view.ascii(40, 32),
    volumeBlocks: view.u32le(80),
    blockSize,
    rootRecord: view.slice(156, 34),
    volumeSetId: view.ascii(190, 128),
    publisherId: view.ascii(318, 128),
    preparerId: view.ascii(446, 128),
    applicationId: view.ascii(574, 128),
    created: parseDecDateTime(view, 813),
    modified: parseDecDateTime(view, 830),
    modifiedRaw: view.ascii(830, 16),
  };
}

/** Joliet is a supplementary descriptor whose escape sequence names UCS-2 level 1, 2 or 3. */
export function isJoliet(descriptor: VolumeDescriptor): boolean {
  if (descriptor.type !== DescriptorType.supplementary) return false;
  const escapes = new ByteView(descriptor.bytes, 'supplementary volume descriptor').slice(88, 3);
  return escapes[0] === 0x25 && escapes[1] === 0x2f && [0x40, 0x43, 0x45].includes(escapes[2] ?? 0);
}

/** El Torito 1.0 section 2.0: the boot record volume descriptor points at the boot catalog. */
export function parseBootRecordCatalogLba(descriptor: VolumeDescriptor): number | null {
  const view = new ByteView(descriptor.bytes, 'boot record volume descriptor');
  if (descriptor.type !== DescriptorType.boot) return null;
  if (view.ascii(7, 32) !== 'EL TORITO SPECIFICATION') return null;
  return view.u32le(71);
}
