import { SQUASHFS_MAGIC } from '../iso/squashfs.ts';
import { SUPERBLOCK_SIZE } from './format.ts';

export interface SuperblockFields {
  inodes: number;
  mkfsTime: number;
  blockSize: number;
  fragments: number;
  compressor: number;
  flags: number;
  ids: number;
  rootInode: bigint;
  bytesUsed: number;
  starts: Record<'inode' | 'directory' | 'fragment' | 'lookup' | 'id' | 'xattr', bigint>;
}

/** squashfs_super_block (96 bytes, version 4.0). */
export function encodeSuperblock(fields: SuperblockFields): Buffer {
  const bytes = Buffer.alloc(SUPERBLOCK_SIZE);
  bytes.writeUInt32LE(SQUASHFS_MAGIC, 0);
  bytes.writeUInt32LE(fields.inodes, 4);
  bytes.writeUInt32LE(fields.mkfsTime >>> 0, 8);
  bytes.writeUInt32LE(fields.blockSize, 12);
  bytes.writeUInt32LE(fields.fragments, 16);
  bytes.writeUInt16LE(fields.compressor, 20);
  bytes.writeUInt16LE(Math.log2(fields.blockSize), 22);
  bytes.writeUInt16LE(fields.flags, 24);
  bytes.writeUInt16LE(fields.ids, 26);
  bytes.writeUInt16LE(4, 28);
  bytes.writeUInt16LE(0, 30);
  bytes.writeBigUInt64LE(fields.rootInode, 32);
  bytes.writeBigUInt64LE(BigInt(fields.bytesUsed), 40);
  bytes.writeBigUInt64LE(fields.starts.id, 48);
  bytes.writeBigUInt64LE(fields.starts.xattr, 56);
  bytes.writeBigUInt64LE(fields.starts.inode, 64);
  bytes.writeBigUInt64LE(fields.starts.directory, 72);
  bytes.writeBigUInt64LE(fields.starts.fragment, 80);
  bytes.writeBigUInt64LE(fields.starts.lookup, 88);
  return bytes;
}
