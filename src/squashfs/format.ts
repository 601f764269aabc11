/**
 * squashfs 4.0 on-disk constants below the superblock (squashfs-tools squashfs_fs.h); the
 * superblock's own layout, compressor ids and flags are src/iso/squashfs-layout.ts.
 */
export const METADATA_SIZE = 8192;
/** Metadata block header bit 15: the block is stored uncompressed. */
export const METADATA_UNCOMPRESSED = 0x8000;
/** Data/fragment block size word bit 24: the block is stored uncompressed. */
export const DATA_UNCOMPRESSED = 1 << 24;
export const INVALID_FRAGMENT = 0xffffffff;
export const INVALID_XATTR = 0xffffffff;
export const FRAGMENT_ENTRY_SIZE = 16;
export const DIR_HEADER_MAX_ENTRIES = 256;

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
