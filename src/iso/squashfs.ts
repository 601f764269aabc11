import { FormatError } from '../errors.ts';
import { ByteView } from './bytes.ts';
import { compressorWithId, SQUASHFS_MAGIC, SuperblockOffset as at } from './squashfs-layout.ts';

/** The superblock fields `inspect` shows; src/squashfs/superblock.ts reads every field for the reader. */
export interface SquashfsSuperblock {
  inodes: number;
  mkfsTime: string;
  blockSize: number;
  fragments: number;
  compression: string;
  flags: number;
  version: string;
  bytesUsed: number;
}

/** The inspect summary of a layer: it names an unknown compressor or version instead of refusing it. */
export function parseSquashfsSuperblock(bytes: Uint8Array): SquashfsSuperblock {
  const view = new ByteView(bytes, 'squashfs superblock');
  if (!hasSquashfsMagic(view)) throw new FormatError('not a squashfs file: bad superblock magic');
  const blockSize = checkedBlockSize(view);
  const compressionId = view.u16le(at.compressor);
  return {
    inodes: view.u32le(at.inodeCount),
    mkfsTime: new Date(view.u32le(at.mkfsTime) * 1000).toISOString(),
    blockSize,
    fragments: view.u32le(at.fragmentCount),
    compression: compressorWithId(compressionId) ?? `unknown(${compressionId})`,
    flags: view.u16le(at.flags),
    version: `${view.u16le(at.versionMajor)}.${view.u16le(at.versionMinor)}`,
    bytesUsed: view.u64le(at.bytesUsed),
  };
}

/** Whether VIEW starts with SQUASHFS_MAGIC: each superblock reader words its own refusal. */
export function hasSquashfsMagic(view: ByteView): boolean {
  return view.u32le(at.magic) === SQUASHFS_MAGIC;
}

/** The block size, refused unless it is a power of two from 4 KiB to 1 MiB that agrees with block_log. */
export function checkedBlockSize(view: ByteView): number {
  const blockSize = view.u32le(at.blockSize);
  if (blockSize < 4096 || blockSize > 1 << 20 || 1 << view.u16le(at.blockLog) !== blockSize) {
    throw new FormatError(`squashfs superblock is corrupt: block size ${blockSize}`);
  }
  return blockSize;
}
