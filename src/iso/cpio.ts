import { FormatError } from '../errors.ts';

/**
 * A reader of the initramfs format (the kernel's Documentation/driver-api/early-userspace/
 * buffer-format.rst): "newc" cpio archives (magic 070701, or 070702 with checksums), one after
 * another, zero padding between them, and the last part usually compressed as one stream.
 */
export interface CpioMember {
  /** The path as stored, without a leading "./" or "/" (conf/uuid.conf). */
  path: string;
  /** Full st_mode, type bits included. */
  mode: number;
  data: Uint8Array;
}

const MAGICS = ['070701', '070702'];
const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';

export type InitrdCompression = 'gzip' | 'zstd' | 'xz' | 'lz4' | 'bzip2' | 'lzma' | 'lzo';

/** Magic numbers of the streams an initrd's compressed part may be (mkinitramfs' COMPRESS=). */
const COMPRESSION_MAGICS: readonly [InitrdCompression, readonly number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lzma', [0x5d, 0x00, 0x00]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]],
];

export interface InitrdParts {
  /** The members of the uncompressed archives at the start (early microcode, or the whole initrd). */
  members: CpioMember[];
  /** Where the compressed rest starts and what it is, or null when the initrd has none. */
  compressed: { offset: number; compression: InitrdCompression } | null;
}

const align4 = (offset: number) => (offset + 3) & ~3;

function isCpioAt(bytes: Uint8Array, offset: number): boolean {
  if (offset + 6 > bytes.length) return false;
  return MAGICS.includes(new TextDecoder().decode(bytes.subarray(offset, offset + 6)));
}

function hexField(header: string, index: number, what: string): number {
  const text = header.slice(6 + index * 8, 14 + index * 8);
  if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new FormatError(`${what}: cpio header field ${index} is not hex`);
  return Number.parseInt(text, 16);
}

/** One cpio archive from OFFSET up to its TRAILER!!! record: its members and the offset after it. */
export function parseCpioArchive(
  bytes: Uint8Array,
  offset: number,
  what: string,
): { members: CpioMember[]; end: number } {
  const members: CpioMember[] = [];
  let at = offset;
  for (;;) {
    if (at + HEADER_SIZE > bytes.length)
      throw new FormatError(`${what}: cpio archive ends before its trailer`);
    const header = new TextDecoder().decode(bytes.subarray(at, at + HEADER_SIZE));
    if (!MAGICS.includes(header.slice(0, 6))) {
      throw new FormatError(
        `${what}: no cpio "newc" header at byte ${at} (found ${JSON.stringify(header.slice(0, 6))})`,
      );
    }
    // Fields: ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    const mode = hexField(header, 1, what);
    const fileSize = hexField(header, 6, what);
    const nameSize = hexField(header, 11, what);
    const nameEnd = at + HEADER_SIZE + nameSize;
    const dataStart = align4(nameEnd);
    const dataEnd = dataStart + fileSize;
    if (nameSize < 1 || dataEnd > bytes.length)
      throw new FormatError(`${what}: cpio member at byte ${at} is truncated`);
    const name = new TextDecoder().decode(bytes.subarray(at + HEADER_SIZE, nameEnd - 1));
    at = align4(dataEnd);
    if (name === TRAILER) return { members, end: at };
    members.push({ path: name.replace(/^(\.\/|\/)+/, ''), mode, data: bytes.subarray(dataStart, dataEnd) });
  }
}

/** Every cpio archive from OFFSET on, skipping the zero padding between them (a decompressed stream). */
export function parseCpioArchives(bytes: Uint8Array, offset: number, what: string): CpioMember[] {
  const members: CpioMember[] = [];
  let at = offset;
  for (;;) {
    while (at < bytes.length && bytes[at] === 0) at++;
    if (at >= bytes.length) return members;
    const archive = parseCpioArchive(bytes, at, what);
    members.push(...archive.members);
    at = archive.end;
  }
}

function compressionAt(bytes: Uint8Array, offset: number): InitrdCompression | null {
  for (const [name, magic] of COMPRESSION_MAGICS) {
    if (magic.every((byte, i) => bytes[offset + i] === byte)) return name;
  }
  return null;
}

/** Splits an initrd into its uncompressed archives and the compressed stream after them (unmkinitramfs' walk). */
export function parseInitrd(bytes: Uint8Array, what: string): InitrdParts {
  const members: CpioMember[] = [];
  let at = 0;
  for (;;) {
    while (at < bytes.length && bytes[at] === 0) at++;
    if (at >= bytes.length) return { members, compressed: null };
    if (isCpioAt(bytes, at)) {
      const archive = parseCpioArchive(bytes, at, what);
      members.push(...archive.members);
      at = archive.end;
      continue;
    }
    const compression = compressionAt(bytes, at);
    if (!compression)
      throw new FormatError(
        `${what}: byte ${at} starts neither a cpio archive nor a known compressed stream`,
      );
    return { members, compressed: { offset: at, compression } };
  }
}
