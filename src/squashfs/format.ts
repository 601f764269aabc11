import type { SquashfsCompressor } from './model.ts';

/** squashfs 4.0 on-disk constants (squashfs-tools squashfs_fs.h). */
export const SUPERBLOCK_SIZE = 96;
export const METADATA_SIZE = 8192;
/** Metadata block header bit 15: the block is stored uncompressed. */
export const METADATA_UNCOMPRESSED = 0x8000;
/** Data/fragment block size word bit 24: the block is stored uncompressed. */
export const DATA_UNCOMPRESSED = 1 << 24;
export const INVALID_FRAGMENT = 0xffffffff;
export const INVALID_XATTR = 0xffffffff;
export const INVALID_TABLE = 0xffffffffffffffffn;
export const FRAGMENT_ENTRY_SIZE = 16;
export const DIR_HEADER_MAX_ENTRIES = 256;

export const COMPRESSOR_IDS: Record<SquashfsCompressor, number> = {
  gzip: 1,
  lzma: 2,
  lzo: 3,
  xz: 4,
  lz4: 5,
  zstd: 6,
};

/** Superblock flag bits (SQUASHFS_NOI ... SQUASHFS_NOID). */
export const FLAG = {
  uncompressedInodes: 0x1,
  uncompressedData: 0x2,
  uncompressedFragments: 0x8,
  noFragments: 0x10,
  alwaysFragments: 0x20,
  duplicates: 0x40,
  exportable: 0x80,
  uncompressedXattrs: 0x100,
  noXattrs: 0x200,
  compressorOptions: 0x400,
  uncompressedIds: 0x800,
} as const;

/** Basic inode types; the extended ("long") type of each is the basic one + 7. */
export const INODE_TYPE = {
  dir: 1,
  file: 2,
  symlink: 3,
  block: 4,
  char: 5,
  fifo: 6,
  socket: 7,
} as const;
export const EXTENDED = 7;

/** Xattr name prefixes and their type ids (squashfs_fs.h SQUASHFS_XATTR_*). */
export const XATTR_PREFIXES = [
  ['user.', 0],
  ['trusted.', 1],
  ['security.', 2],
] as const;
