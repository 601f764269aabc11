import { FormatError } from '../errors.ts';
import { ByteView } from '../iso/bytes.ts';
import { SQUASHFS_MAGIC } from '../iso/squashfs.ts';
import type { SquashfsCompressor } from './model.ts';

/** squashfs_fs.h: the superblock is 96 bytes at the image start. */
export const SUPERBLOCK_SIZE = 96;
/** squashfs_fs.h SQUASHFS_INVALID_BLK: a table that is absent (no fragments, no export, no xattrs). */
export const NO_TABLE = 0xffffffffffffffffn;

/** squashfs_fs.h superblock flags. */
export const SuperblockFlag = {
  uncompressedInodes: 0x0001,
  uncompressedData: 0x0002,
  uncompressedFragments: 0x0008,
  noFragments: 0x0010,
  alwaysFragments: 0x0020,
  duplicates: 0x0040,
  exportable: 0x0080,
  uncompressedXattrs: 0x0100,
  noXattrs: 0x0200,
  compressorOptions: 0x0400,
  uncompressedIds: 0x0800,
} as const;

const COMPRESSORS: Record<number, SquashfsCompressor> = {
  1: 'gzip',
  2: 'lzma',
  3: 'lzo',
  4: 'xz',
  5: 'lz4',
  6: 'zstd',
};

/** Every field of a squashfs 4.0 superblock; table starts are byte offsets from the image start, null when absent. */
export interface SquashfsHeader {
  inodeCount: number;
  mkfsTime: number;
  blockSize: number;
  fragmentCount: number;
  compressor: SquashfsCompressor;
  flags: number;
  idCount: number;
  /** Inode reference of the root directory: (metadata block offset << 16) | offset in the block. */
  rootInode: bigint;
  bytesUsed: number;
  idTableStart: number;
  xattrIdTableStart: number | null;
  inodeTableStart: number;
  directoryTableStart: number;
  fragmentTableStart: number | null;
  exportTableStart: number | null;
}

/** Parses the superblock the reader starts from; the inspect summary uses the shorter src/iso/squashfs.ts. */
export function parseSquashfsHeader(bytes: Uint8Array): SquashfsHeader {
  const view = new ByteView(bytes, 'squashfs superblock');
  if (view.u32le(0) !== SQUASHFS_MAGIC) {
    throw new FormatError('not a squashfs image: bad superblock magic', {
      hint: 'check the file and the offset of the squashfs image in it',
    });
  }
  const major = view.u16le(28);
  const minor = view.u16le(30);
  if (major !== 4 || minor !== 0)
    throw new FormatError(`squashfs version ${major}.${minor} is not supported (only 4.0)`);
  const blockSize = view.u32le(12);
  if (blockSize < 4096 || blockSize > 1 << 20 || 1 << view.u16le(22) !== blockSize) {
    throw new FormatError(`squashfs superblock is corrupt: block size ${blockSize}`);
  }
  const compressorId = view.u16le(20);
  const compressor = COMPRESSORS[compressorId];
  if (!compressor)
    throw new FormatError(`squashfs superblock is corrupt: unknown compressor id ${compressorId}`);
  const optional = (offset: number): number | null =>
    view.u64leBig(offset) === NO_TABLE ? null : view.u64le(offset);
  const header: SquashfsHeader = {
    inodeCount: view.u32le(4),
    mkfsTime: view.u32le(8),
    blockSize,
    fragmentCount: view.u32le(16),
    compressor,
    flags: view.u16le(24),
    idCount: view.u16le(26),
    rootInode: view.u64leBig(32),
    bytesUsed: view.u64le(40),
    idTableStart: view.u64le(48),
    xattrIdTableStart: optional(56),
    inodeTableStart: view.u64le(64),
    directoryTableStart: view.u64le(72),
    fragmentTableStart: optional(80),
    exportTableStart: optional(88),
  };
  checkTableOrder(header);
  return header;
}

function checkTableOrder(header: SquashfsHeader): void {
  const { inodeTableStart, directoryTableStart, idTableStart, bytesUsed } = header;
  const starts = [
    inodeTableStart,
    directoryTableStart,
    idTableStart,
    header.fragmentTableStart,
    header.exportTableStart,
  ];
  if (
    inodeTableStart < SUPERBLOCK_SIZE ||
    directoryTableStart < inodeTableStart ||
    starts.some((start) => start !== null && start > bytesUsed)
  ) {
    throw new FormatError(
      `squashfs superblock is corrupt: table starts (inodes ${inodeTableStart}, directories ${directoryTableStart}, ids ${idTableStart}) outside the ${bytesUsed} bytes used`,
    );
  }
}
