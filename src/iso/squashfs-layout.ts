/**
 * The squashfs 4.0 superblock layout: the one table of it that every reader and the writer use.
 * Spec: squashfs_fs.h, in the Linux kernel (fs/squashfs/squashfs_fs.h: struct squashfs_super_block,
 * SQUASHFS_MAGIC, ZLIB_COMPRESSION ... ZSTD_COMPRESSION, SQUASHFS_NOI ... SQUASHFS_COMP_OPT) and in
 * squashfs-tools (squashfs-tools/squashfs_fs.h, which adds SQUASHFS_NOX, _NO_XATTR and _NOID).
 */

/** SQUASHFS_MAGIC: "hsqs" read as a little-endian u32. */
export const SQUASHFS_MAGIC = 0x73717368;
/** The only version isoforge reads and writes (s_major, s_minor). */
export const SQUASHFS_VERSION = { major: 4, minor: 0 } as const;
/** sizeof(struct squashfs_super_block): it starts the image; the compressor options follow it. */
export const SUPERBLOCK_SIZE = 96;
/** SQUASHFS_INVALID_BLK: the start of a table that is absent (no fragments, no export, no xattrs). */
export const NO_TABLE = 0xffffffffffffffffn;

/** Byte offset of each struct squashfs_super_block field (all little-endian). */
export const SuperblockOffset = {
  /** u32 s_magic */
  magic: 0,
  /** u32 inodes */
  inodeCount: 4,
  /** u32 mkfs_time, seconds since the epoch */
  mkfsTime: 8,
  /** u32 block_size */
  blockSize: 12,
  /** u32 fragments */
  fragmentCount: 16,
  /** u16 compression: a compressor id */
  compressor: 20,
  /** u16 block_log: log2(block_size) */
  blockLog: 22,
  /** u16 flags: SuperblockFlag bits */
  flags: 24,
  /** u16 no_ids */
  idCount: 26,
  /** u16 s_major */
  versionMajor: 28,
  /** u16 s_minor */
  versionMinor: 30,
  /** u64 root_inode: (metadata block offset << 16) | offset in the block */
  rootInode: 32,
  /** u64 bytes_used */
  bytesUsed: 40,
  /** u64 id_table_start */
  idTable: 48,
  /** u64 xattr_id_table_start */
  xattrIdTable: 56,
  /** u64 inode_table_start */
  inodeTable: 64,
  /** u64 directory_table_start */
  directoryTable: 72,
  /** u64 fragment_table_start */
  fragmentTable: 80,
  /** u64 lookup_table_start: the export table */
  exportTable: 88,
} as const;

/** The compressor ids of the superblock's compression field (ZLIB_COMPRESSION = 1 ... ZSTD_COMPRESSION = 6). */
export const COMPRESSOR_IDS = {
  gzip: 1,
  lzma: 2,
  lzo: 3,
  xz: 4,
  lz4: 5,
  zstd: 6,
} as const;

/** A compressor by the name mksquashfs -comp gives it. */
export type SquashfsCompressor = keyof typeof COMPRESSOR_IDS;

const COMPRESSOR_NAMES = new Map(
  Object.entries(COMPRESSOR_IDS).map(([name, id]) => [id as number, name as SquashfsCompressor]),
);

/** The compressor a superblock's compression field names; undefined for an id squashfs does not define. */
export function compressorWithId(id: number): SquashfsCompressor | undefined {
  return COMPRESSOR_NAMES.get(id);
}

/** The superblock's flag bits (SQUASHFS_NOI ... SQUASHFS_NOID, as masks). */
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
