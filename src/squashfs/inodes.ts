import { FormatError } from '../errors.ts';
import type { ByteView } from '../iso/bytes.ts';
import type { SquashfsNode } from './model.ts';
import { EXTENDED, INODE_TYPE, INVALID_FRAGMENT } from './format.ts';
import { NO_XATTRS } from './xattrs.ts';

/** squashfs_fs.h inode types: basic 1..7, extended (with an xattr index, 32-bit sizes) 8..14. */
const InodeType = {
  ...INODE_TYPE,
  extendedDir: INODE_TYPE.dir + EXTENDED,
  extendedFile: INODE_TYPE.file + EXTENDED,
  extendedSymlink: INODE_TYPE.symlink + EXTENDED,
  extendedBlock: INODE_TYPE.block + EXTENDED,
  extendedChar: INODE_TYPE.char + EXTENDED,
  extendedFifo: INODE_TYPE.fifo + EXTENDED,
  extendedSocket: INODE_TYPE.socket + EXTENDED,
} as const;

/** The fields common to every inode: squashfs_base_inode (16 bytes). */
export interface InodeBase {
  type: SquashfsNode['type'];
  mode: number;
  uidIndex: number;
  gidIndex: number;
  mtime: number;
  inodeNumber: number;
  xattrIndex: number;
}

export interface DirInode extends InodeBase {
  type: 'dir';
  /** Where its listing starts in the directory table, and its size in bytes (without the 3 that "." and ".." count). */
  listingBlock: number;
  listingOffset: number;
  listingSize: number;
}

export interface FileInode extends InodeBase {
  type: 'file';
  blocksStart: number;
  size: number;
  fragmentIndex: number | null;
  fragmentOffset: number;
  blockSizes: number[];
}

export interface SymlinkInode extends InodeBase {
  type: 'symlink';
  target: string;
}

export interface DeviceInode extends InodeBase {
  type: 'char' | 'block';
  rdev: number;
}

export interface IpcInode extends InodeBase {
  type: 'fifo' | 'socket';
}

export type Inode = DirInode | FileInode | SymlinkInode | DeviceInode | IpcInode;

/** Parses the inode at POSITION of the decompressed inode table (BLOCKSIZE sets a file's block count). */
export function parseInode(view: ByteView, position: number, blockSize: number): Inode {
  const code = view.u16le(position);
  const base = {
    mode: view.u16le(position + 2) & 0o7777,
    uidIndex: view.u16le(position + 4),
    gidIndex: view.u16le(position + 6),
    mtime: view.u32le(position + 8),
    inodeNumber: view.u32le(position + 12),
    xattrIndex: NO_XATTRS,
  };
  const at = position + 16;
  switch (code) {
    case InodeType.dir:
    case InodeType.extendedDir:
      return dirInode(code === InodeType.extendedDir, base, view, at);
    case InodeType.file:
      return fileInode(base, view, at + 16, blockSize, {
        blocksStart: view.u32le(at),
        size: view.u32le(at + 12),
        fragment: view.u32le(at + 4),
        fragmentOffset: view.u32le(at + 8),
      });
    case InodeType.extendedFile:
      return fileInode({ ...base, xattrIndex: view.u32le(at + 36) }, view, at + 40, blockSize, {
        blocksStart: view.u64le(at),
        size: view.u64le(at + 8),
        fragment: view.u32le(at + 28),
        fragmentOffset: view.u32le(at + 32),
      });
    case InodeType.symlink:
    case InodeType.extendedSymlink: {
      const length = view.u32le(at + 4);
      const target = new TextDecoder().decode(view.slice(at + 8, length));
      const xattrIndex = code === InodeType.extendedSymlink ? view.u32le(at + 8 + length) : NO_XATTRS;
      return { ...base, type: 'symlink', target, xattrIndex };
    }
    default:
      return specialInode(code, base, view, at, position);
  }
}

/** squashfs_dir_inode_header / squashfs_ldir_inode_header (the extended one adds an xattr index and a name index). */
function dirInode(extended: boolean, base: Omit<InodeBase, 'type'>, view: ByteView, at: number): DirInode {
  if (!extended) {
    return {
      ...base,
      type: 'dir',
      listingBlock: view.u32le(at),
      listingSize: view.u16le(at + 8) - 3,
      listingOffset: view.u16le(at + 10),
    };
  }
  return {
    ...base,
    type: 'dir',
    listingSize: view.u32le(at + 4) - 3,
    listingBlock: view.u32le(at + 8),
    listingOffset: view.u16le(at + 18),
    xattrIndex: view.u32le(at + 20),
  };
}

/** Devices (nlink, rdev[, xattr]) and fifos/sockets (nlink[, xattr]). */
function specialInode(
  code: number,
  base: Omit<InodeBase, 'type'>,
  view: ByteView,
  at: number,
  position: number,
): DeviceInode | IpcInode {
  switch (code) {
    case InodeType.block:
    case InodeType.char:
      return { ...base, type: code === InodeType.block ? 'block' : 'char', rdev: view.u32le(at + 4) };
    case InodeType.extendedBlock:
    case InodeType.extendedChar:
      return {
        ...base,
        type: code === InodeType.extendedBlock ? 'block' : 'char',
        rdev: view.u32le(at + 4),
        xattrIndex: view.u32le(at + 8),
      };
    case InodeType.fifo:
    case InodeType.socket:
      return { ...base, type: code === InodeType.fifo ? 'fifo' : 'socket' };
    case InodeType.extendedFifo:
    case InodeType.extendedSocket:
      return {
        ...base,
        type: code === InodeType.extendedFifo ? 'fifo' : 'socket',
        xattrIndex: view.u32le(at + 4),
      };
    default:
      throw new FormatError(`squashfs inode table is corrupt: unknown inode type ${code} at ${position}`);
  }
}

function fileInode(
  base: Omit<InodeBase, 'type'>,
  view: ByteView,
  listAt: number,
  blockSize: number,
  fields: { blocksStart: number; size: number; fragment: number; fragmentOffset: number },
): FileInode {
  const hasFragment = fields.fragment !== INVALID_FRAGMENT;
  const blockCount = hasFragment ? Math.floor(fields.size / blockSize) : Math.ceil(fields.size / blockSize);
  if (listAt + blockCount * 4 > view.length) {
    throw new FormatError(
      `squashfs inode ${base.inodeNumber} is corrupt: its ${fields.size} bytes need more block sizes than the table holds`,
    );
  }
  const blockSizes = new Array<number>(blockCount);
  for (let i = 0; i < blockCount; i++) blockSizes[i] = view.u32le(listAt + i * 4);
  // Written out field by field, not spread from BASE: a tree read makes one per file, and the
  // spread made reading a 21k-inode layer's tree about twice as slow (V8 object shapes).
  return {
    type: 'file',
    mode: base.mode,
    uidIndex: base.uidIndex,
    gidIndex: base.gidIndex,
    mtime: base.mtime,
    inodeNumber: base.inodeNumber,
    xattrIndex: base.xattrIndex,
    blocksStart: fields.blocksStart,
    size: fields.size,
    fragmentIndex: hasFragment ? fields.fragment : null,
    fragmentOffset: fields.fragmentOffset,
    blockSizes,
  };
}
