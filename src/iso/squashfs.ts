import { FormatError } from '../errors.ts';
import { ByteView } from './bytes.ts';

/** squashfs 4.0 superblock (96 bytes at offset 0; see squashfs_fs.h in the kernel). */
export const SQUASHFS_MAGIC = 0x73717368;
const COMPRESSORS: Record<number, string> = { 1: 'gzip', 2: 'lzma', 3: 'lzo', 4: 'xz', 5: 'lz4', 6: 'zstd' };

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

export function parseSquashfsSuperblock(bytes: Uint8Array): SquashfsSuperblock {
  const view = new ByteView(bytes, 'squashfs superblock');
  if (view.u32le(0) !== SQUASHFS_MAGIC) throw new FormatError('not a squashfs file: bad superblock magic');
  const blockSize = view.u32le(12);
  if (blockSize < 4096 || blockSize > 1 << 20 || 1 << view.u16le(22) !== blockSize) {
    throw new FormatError(`squashfs superblock is corrupt: block size ${blockSize}`);
  }
  const compressionId = view.u16le(20);
  return {
    inodes: view.u32le(4),
    mkfsTime: new Date(view.u32le(8) * 1000).toISOString(),
    blockSize,
    fragments: view.u32le(16),
    compression: COMPRESSORS[compressionId] ?? `unknown(${compressionId})`,
    flags: view.u16le(24),
    version: `${view.u16le(28)}.${view.u16le(30)}`,
    bytesUsed: view.u64le(40),
  };
}
