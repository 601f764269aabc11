import { EXTENDED, INODE_TYPE, INVALID_FRAGMENT, INVALID_XATTR } from './format.ts';
import type { FileNode, SquashfsNode } from './model.ts';

/** What an inode refers to outside itself, resolved by the writer before encoding. */
export interface InodeContext {
  number: number;
  nlink: number;
  uidIndex: number;
  gidIndex: number;
  /** Index into the xattr id table, or null. */
  xattrId: number | null;
}

export interface FilePlacement {
  blocksStart: number;
  fragmentIndex: number | null;
}

export interface DirectoryPlacement {
  /** Start of the listing's metadata block (from the directory table start) and offset inside it. */
  block: number;
  offset: number;
  /** Listing bytes + 3, as the kernel expects (the "." and ".." it synthesizes). */
  fileSize: number;
  parentNumber: number;
  /** Whether mksquashfs would make this an extended inode (large directory); xattrs also force it. */
  extended: boolean;
  /** Index entries: listing offset, the directory-table block it lands in, the name there. */
  indexes: { offset: number; block: number; name: Buffer }[];
}

/** squashfs_base_inode_header: type, mode, uid/gid indexes, mtime, inode number. */
function header(type: number, node: SquashfsNode, context: InodeContext, extra: number): Buffer {
  const bytes = Buffer.alloc(16 + extra);
  bytes.writeUInt16LE(type, 0);
  bytes.writeUInt16LE(node.mode & 0o7777, 2);
  bytes.writeUInt16LE(context.uidIndex, 4);
  bytes.writeUInt16LE(context.gidIndex, 6);
  bytes.writeUInt32LE(node.mtime >>> 0, 8);
  bytes.writeUInt32LE(context.number, 12);
  return bytes;
}

/** Bytes of sparse (size word 0) blocks, as mksquashfs counts them for the extended file inode. */
export function sparseBytes(file: FileNode, blockSize: number): number {
  let sparse = 0;
  file.data.blockSizes.forEach((word, i) => {
    if (word === 0) sparse += Math.min(blockSize, file.size - i * blockSize);
  });
  return sparse > 0 && sparse >= file.size ? file.size - 1 : sparse;
}

/** A regular file inode: basic unless hard-linked, large, sparse or carrying xattrs (mksquashfs's rule). */
export function encodeFileInode(
  file: FileNode,
  context: InodeContext,
  placement: FilePlacement,
  blockSize: number,
): Buffer {
  const sparse = sparseBytes(file, blockSize);
  const blocks = file.data.blockSizes;
  const fragment = placement.fragmentIndex ?? INVALID_FRAGMENT;
  const fragmentOffset = placement.fragmentIndex === null ? 0 : (file.data.fragment?.offset ?? 0);
  const basic =
    context.nlink === 1 &&
    file.size < 2 ** 32 &&
    placement.blocksStart < 2 ** 32 &&
    sparse === 0 &&
    context.xattrId === null;
  if (basic) {
    const bytes = header(INODE_TYPE.file, file, context, 16 + blocks.length * 4);
    bytes.writeUInt32LE(placement.blocksStart, 16);
    bytes.writeUInt32LE(fragment, 20);
    bytes.writeUInt32LE(fragmentOffset, 24);
    bytes.writeUInt32LE(file.size, 28);
    blocks.forEach((word, i) => bytes.writeUInt32LE(word, 32 + i * 4));
    return bytes;
  }
  const bytes = header(INODE_TYPE.file + EXTENDED, file, context, 40 + blocks.length * 4);
  bytes.writeBigUInt64LE(BigInt(placement.blocksStart), 16);
  bytes.writeBigUInt64LE(BigInt(file.size), 24);
  bytes.writeBigUInt64LE(BigInt(sparse), 32);
  bytes.writeUInt32LE(context.nlink, 40);
  bytes.writeUInt32LE(fragment, 44);
  bytes.writeUInt32LE(fragmentOffset, 48);
  bytes.writeUInt32LE(context.xattrId ?? INVALID_XATTR, 52);
  blocks.forEach((word, i) => bytes.writeUInt32LE(word, 56 + i * 4));
  return bytes;
}

/** A directory inode: extended, with the listing's index entries, when large or carrying xattrs. */
export function encodeDirectoryInode(
  dir: SquashfsNode,
  context: InodeContext,
  placement: DirectoryPlacement,
): Buffer {
  if (context.xattrId === null && !placement.extended && placement.fileSize <= 0xffff) {
    const bytes = header(INODE_TYPE.dir, dir, context, 16);
    bytes.writeUInt32LE(placement.block, 16);
    bytes.writeUInt32LE(context.nlink, 20);
    bytes.writeUInt16LE(placement.fileSize, 24);
    bytes.writeUInt16LE(placement.offset, 26);
    bytes.writeUInt32LE(placement.parentNumber, 28);
    return bytes;
  }
  const index = placement.indexes.map((entry) => {
    const bytes = Buffer.alloc(12);
    bytes.writeUInt32LE(entry.offset, 0);
    bytes.writeUInt32LE(entry.block, 4);
    bytes.writeUInt32LE(entry.name.length - 1, 8);
    return Buffer.concat([bytes, entry.name]);
  });
  const bytes = header(INODE_TYPE.dir + EXTENDED, dir, context, 24);
  bytes.writeUInt32LE(context.nlink, 16);
  bytes.writeUInt32LE(placement.fileSize, 20);
  bytes.writeUInt32LE(placement.block, 24);
  bytes.writeUInt32LE(placement.parentNumber, 28);
  bytes.writeUInt16LE(index.length, 32);
  bytes.writeUInt16LE(placement.offset, 34);
  bytes.writeUInt32LE(context.xattrId ?? INVALID_XATTR, 36);
  return Buffer.concat([bytes, ...index]);
}

/** Symlink, device, fifo and socket inodes: extended only to carry xattrs. */
export function encodeOtherInode(
  node: Exclude<SquashfsNode, { type: 'dir' | 'file' }>,
  context: InodeContext,
): Buffer {
  const extended = context.xattrId !== null;
  const type = INODE_TYPE[node.type] + (extended ? EXTENDED : 0);
  const xattr = Buffer.alloc(extended ? 4 : 0);
  if (extended) xattr.writeUInt32LE(context.xattrId ?? INVALID_XATTR, 0);
  if (node.type === 'symlink') {
    const target = Buffer.from(node.target, 'utf8');
    const bytes = header(type, node, context, 8);
    bytes.writeUInt32LE(context.nlink, 16);
    bytes.writeUInt32LE(target.length, 20);
    return Buffer.concat([bytes, target, xattr]);
  }
  if (node.type === 'char' || node.type === 'block') {
    const bytes = header(type, node, context, 8);
    bytes.writeUInt32LE(context.nlink, 16);
    bytes.writeUInt32LE(node.rdev >>> 0, 20);
    return Buffer.concat([bytes, xattr]);
  }
  const bytes = header(type, node, context, 4);
  bytes.writeUInt32LE(context.nlink, 16);
  return Buffer.concat([bytes, xattr]);
}
