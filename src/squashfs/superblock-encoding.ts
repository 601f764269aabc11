import {
  SQUASHFS_MAGIC,
  SQUASHFS_VERSION,
  SUPERBLOCK_SIZE,
  SuperblockOffset as at,
} from '../iso/squashfs-layout.ts';

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
  bytes.writeUInt32LE(SQUASHFS_MAGIC, at.magic);
  bytes.writeUInt32LE(fields.inodes, at.inodeCount);
  bytes.writeUInt32LE(fields.mkfsTime >>> 0, at.mkfsTime);
  bytes.writeUInt32LE(fields.blockSize, at.blockSize);
  bytes.writeUInt32LE(fields.fragments, at.fragmentCount);
  bytes.writeUInt16LE(fields.compressor, at.compressor);
  bytes.writeUInt16LE(Math.log2(fields.blockSize), at.blockLog);
  bytes.writeUInt16LE(fields.flags, at.flags);
  bytes.writeUInt16LE(fields.ids, at.idCount);
  bytes.writeUInt16LE(SQUASHFS_VERSION.major, at.versionMajor);
  bytes.writeUInt16LE(SQUASHFS_VERSION.minor, at.versionMinor);
  bytes.writeBigUInt64LE(fields.rootInode, at.rootInode);
  bytes.writeBigUInt64LE(BigInt(fields.bytesUsed), at.bytesUsed);
  bytes.writeBigUInt64LE(fields.starts.id, at.idTable);
  bytes.writeBigUInt64LE(fields.starts.xattr, at.xattrIdTable);
  bytes.writeBigUInt64LE(fields.starts.inode, at.inodeTable);
  bytes.writeBigUInt64LE(fields.starts.directory, at.directoryTable);
  bytes.writeBigUInt64LE(fields.starts.fragment, at.fragmentTable);
  bytes.writeBigUInt64LE(fields.starts.lookup, at.exportTable);
  return bytes;
}
