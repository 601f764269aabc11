import { FormatError } from '../errors.ts';
import { ByteView } from '../iso/bytes.ts';
import { checkedBlockSize, hasSquashfsMagic } from '../iso/squashfs.ts';
import {
  compressorWithId,
  NO_TABLE,
  SQUASHFS_VERSION,
  SUPERBLOCK_SIZE,
  SuperblockOffset as at,
} from '../iso/squashfs-layout.ts';
import type { SquashfsCompressor } from './model.ts';

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
  if (!hasSquashfsMagic(view)) {
    throw new FormatError('not a squashfs image: bad superblock magic', {
      hint: 'check the file and the offset of the squashfs image in it',
    });
  }
  const major = view.u16le(at.versionMajor);
  const minor = view.u16le(at.versionMinor);
  if (major !== SQUASHFS_VERSION.major || minor !== SQUASHFS_VERSION.minor)
    throw new FormatError(`squashfs version ${major}.${minor} is not supported (only 4.0)`);
  const blockSize = checkedBlockSize(view);
  const compressorId = view.u16le(at.compressor);
  const compressor = compressorWithId(compressorId);
  if (!compressor)
    throw new FormatError(`squashfs superblock is corrupt: unknown compressor id ${compressorId}`);
  const optional = (offset: number): number | null =>
    view.u64leBig(offset) === NO_TABLE ? null : view.u64le(offset);
  const header: SquashfsHeader = {
    inodeCount: view.u32le(at.inodeCount),
    mkfsTime: view.u32le(at.mkfsTime),
    blockSize,
    fragmentCount: view.u32le(at.fragmentCount),
    compressor,
    flags: view.u16le(at.flags),
    idCount: view.u16le(at.idCount),
    rootInode: view.u64leBig(at.rootInode),
    bytesUsed: view.u64le(at.bytesUsed),
    idTableStart: view.u64le(at.idTable),
    xattrIdTableStart: optional(at.xattrIdTable),
    inodeTableStart: view.u64le(at.inodeTable),
    directoryTableStart: view.u64le(at.directoryTable),
    fragmentTableStart: optional(at.fragmentTable),
    exportTableStart: optional(at.exportTable),
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
