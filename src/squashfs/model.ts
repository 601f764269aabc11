/**
 * The in-memory model of a squashfs 4.0 tree, shared by the reader (read.ts) and the writer
 * (write.ts): the reader fills it from an image's tables; the writer serializes it into a new
 * image, copying each regular file's data blocks and fragment verbatim from the image they came
 * from. That is the block-reuse repack: unchanged files are never decompressed or recompressed.
 * Format reference: squashfs-tools squashfs_fs.h and the kernel's Documentation/filesystems/squashfs.rst.
 */

import type { SquashfsCompressor } from '../iso/squashfs-layout.ts';

export type { SquashfsCompressor };

/** One extended attribute with its full name ("security.capability", "trusted.overlay.opaque"). */
export interface Xattr {
  name: string;
  value: Uint8Array;
}

/** What every inode carries. `mode` is the permission bits only (07777): the type is `node.type`. */
export interface InodeAttributes {
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (squashfs stores 32 bits). */
  mtime: number;
  xattrs: Xattr[];
}

/** A squashfs image on disk: the file, where the image starts in it, and how its blocks are compressed. */
export interface SquashfsSource {
  file: string;
  /** Byte offset of the superblock inside FILE (a layer read in place from an ISO). */
  offset: number;
  compressor: SquashfsCompressor;
  blockSize: number;
}

/**
 * A file's data as stored in SOURCE: full blocks from `blocksStart` (bytes from the image start),
 * each with its on-disk size word (bit 24 set = stored uncompressed; 0 = a sparse, all-zero block),
 * then optionally the tail in a fragment block.
 */
export interface StoredFileData {
  source: SquashfsSource;
  blocksStart: number;
  blockSizes: number[];
  fragment: StoredFragment | null;
}

/** A file's tail: OFFSET bytes into the (decompressed) fragment block at `start` in SOURCE. */
export interface StoredFragment {
  source: SquashfsSource;
  /** Byte offset of the fragment block from the image start. */
  start: number;
  /** The fragment block's on-disk size word (bit 24 set = stored uncompressed). */
  sizeWord: number;
  offset: number;
}

export interface DirectoryNode extends InodeAttributes {
  type: 'dir';
  /** Entries by name; the writer sorts them as squashfs requires (byte order). */
  entries: Map<string, SquashfsNode>;
}

/** A regular file. Hard links are one FileNode object reached from several directory entries. */
export interface FileNode extends InodeAttributes {
  type: 'file';
  size: number;
  data: StoredFileData;
}

export interface SymlinkNode extends InodeAttributes {
  type: 'symlink';
  target: string;
}

export interface DeviceNode extends InodeAttributes {
  type: 'char' | 'block';
  /** major/minor as squashfs stores them: (major << 8) | (minor & 0xff) | ((minor & ~0xff) << 12). */
  rdev: number;
}

export interface IpcNode extends InodeAttributes {
  type: 'fifo' | 'socket';
}

export type SquashfsNode = DirectoryNode | FileNode | SymlinkNode | DeviceNode | IpcNode;

/** Superblock facts a rewritten image keeps from the one it replaces. */
export interface SquashfsImageInfo extends SquashfsSource {
  /** Seconds since the epoch. */
  mkfsTime: number;
  /** Superblock flags (squashfs_fs.h SQUASHFS_*: NOI, NOD, NOF, NO_FRAG, ALWAYS_FRAG, DUPLICATE, EXPORT, NOX, COMP_OPT...). */
  flags: number;
  /** The raw compressor options block (after the superblock), when the image has one. */
  compressorOptions: Uint8Array | null;
  bytesUsed: number;
  inodeCount: number;
}
