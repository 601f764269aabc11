import { open } from 'node:fs/promises';
import { DataLayout, type KernelCopier } from './data-layout.ts';
import { encodeListing, type ListingEntry, needsExtendedDirectory } from './directory-listing.ts';
import {
  COMPRESSOR_IDS,
  SuperblockFlag as FLAG,
  NO_TABLE as INVALID_TABLE,
  SUPERBLOCK_SIZE,
} from '../iso/squashfs-layout.ts';
import { METADATA_UNCOMPRESSED } from './format.ts';
import {
  type DirectoryPlacement,
  encodeDirectoryInode,
  encodeFileInode,
  encodeOtherInode,
  type InodeContext,
} from './inode-encoding.ts';
import {
  encodeIndexedTable,
  metadataCompressorFor,
  MetadataWriter,
  type MetadataCompressor,
} from './metadata-writer.ts';
import type { DirectoryNode, FileNode, SquashfsImageInfo, SquashfsNode } from './model.ts';
import { encodeSuperblock } from './superblock-encoding.ts';
import { encodeExportEntries, encodeFragmentEntries, IdTable, XattrTable } from './table-encoding.ts';
import { numberInodes, type TreeIndex } from './tree-index.ts';

export interface WriteSquashfsOptions {
  /** Compressor, block size, compressor options and superblock flags the new image keeps. */
  info: Pick<SquashfsImageInfo, 'compressor' | 'blockSize' | 'compressorOptions' | 'flags'>;
  /** Seconds since the epoch. */
  mkfsTime: number;
  /** Copies the reused data in the kernel (tools/xfs-io.ts); else it passes through buffers. */
  copier?: KernelCopier;
  signal?: AbortSignal;
}

export interface WriteSquashfsResult {
  /** Size of the image file (bytes_used padded to 4 KiB). */
  bytes: number;
  bytesUsed: number;
  /** Bytes of all metadata tables as written, and their content before compression. */
  metadataBytes: number;
  metadataRawBytes: number;
  metadataCompressed: boolean;
  copiedDataBytes: number;
  inodeCount: number;
  fragmentCount: number;
}

const PAD = 4096;

/**
 * Writes ROOT as a new squashfs image at OUT_FILE. File data is never recompressed: each file's
 * blocks and each fragment block still referenced are copied verbatim from the image named in its
 * `data.source`; the inode, directory, fragment, export, id and xattr tables are written anew.
 */
export async function writeSquashfs(
  root: DirectoryNode,
  outFile: string,
  options: WriteSquashfsOptions,
): Promise<WriteSquashfsResult> {
  const { info } = options;
  const compress = metadataCompressorFor(info.compressor);
  const index = numberInodes(root);
  const optionsBlock = info.compressorOptions ? metadataBlockOf(info.compressorOptions) : Buffer.alloc(0);
  const layout = new DataLayout(index.files, SUPERBLOCK_SIZE + optionsBlock.length);
  const tableStart = layout.end;
  const tables = encodeTables(root, index, layout, info, compress, tableStart);
  const flags = superblockFlags(info.flags, compress !== null, optionsBlock.length > 0);
  const bytesUsed = tableStart + tables.bytes.length;
  const superblock = encodeSuperblock({
    inodes: index.count,
    mkfsTime: options.mkfsTime,
    blockSize: info.blockSize,
    fragments: layout.fragments.length,
    compressor: COMPRESSOR_IDS[info.compressor],
    flags,
    ids: tables.idCount,
    rootInode: tables.rootReference,
    bytesUsed,
    starts: Object.fromEntries(
      Object.entries(tables.starts).map(([name, start]) => [
        name,
        start === null ? INVALID_TABLE : BigInt(start),
      ]),
    ) as Record<keyof TableStarts, bigint>,
  });
  const padded = Math.ceil(bytesUsed / PAD) * PAD;
  const out = await open(outFile, 'w');
  try {
    await out.write(superblock, 0, superblock.length, 0);
    if (optionsBlock.length) await out.write(optionsBlock, 0, optionsBlock.length, SUPERBLOCK_SIZE);
    await layout.copyInto(out, outFile, { copier: options.copier, signal: options.signal });
    await out.write(tables.bytes, 0, tables.bytes.length, tableStart);
    await out.truncate(padded);
  } finally {
    await out.close();
  }
  return {
    bytes: padded,
    bytesUsed,
    metadataBytes: tables.bytes.length,
    metadataRawBytes: tables.rawBytes,
    metadataCompressed: compress !== null,
    copiedDataBytes: layout.copiedBytes,
    inodeCount: index.count,
    fragmentCount: layout.fragments.length,
  };
}

interface TableStarts {
  inode: number;
  directory: number;
  fragment: number;
  lookup: number | null;
  id: number;
  xattr: number | null;
}

/** All metadata tables in mksquashfs's order from BASE (the data end), with each table's absolute start. */
function encodeTables(
  root: DirectoryNode,
  index: TreeIndex,
  layout: DataLayout,
  info: WriteSquashfsOptions['info'],
  compress: MetadataCompressor | null,
  base: number,
) {
  const tree = encodeTree(root, index, layout, info.blockSize, compress);
  const parts: Buffer[] = [];
  let at = base;
  const place = (bytes: Uint8Array): number => {
    parts.push(Buffer.from(bytes));
    at += bytes.length;
    return at - bytes.length;
  };
  const indexed = (entries: Buffer) => {
    const table = encodeIndexedTable(entries, at, compress);
    return { indexStart: place(table.bytes) + table.indexOffset, raw: entries.length };
  };
  const inodeStart = place(tree.inodes.finish());
  const directoryStart = place(tree.directories.finish());
  const fragment = indexed(encodeFragmentEntries(layout.fragments));
  const lookup = info.flags & FLAG.exportable ? indexed(encodeExportEntries(tree.references)) : null;
  const id = indexed(tree.ids.encode());
  let xattrStart: number | null = null;
  let xattrRaw = 0;
  if (tree.xattrs.count) {
    const pairsStart = place(tree.xattrs.pairs.finish());
    const idEntries = tree.xattrs.encodeIds();
    const idTable = encodeIndexedTable(idEntries, at, compress);
    place(idTable.bytes.subarray(0, idTable.indexOffset));
    // squashfs_xattr_id_table: where the pairs start and how many ids, then the id blocks' index.
    const head = Buffer.alloc(16);
    head.writeBigUInt64LE(BigInt(pairsStart), 0);
    head.writeUInt32LE(tree.xattrs.count, 8);
    xattrStart = place(head);
    place(idTable.bytes.subarray(idTable.indexOffset));
    xattrRaw = tree.xattrs.pairs.rawBytes + idEntries.length;
  }
  const metadataRaw = tree.inodes.rawBytes + tree.directories.rawBytes;
  return {
    bytes: Buffer.concat(parts),
    rawBytes: metadataRaw + fragment.raw + (lookup?.raw ?? 0) + id.raw + xattrRaw,
    rootReference: tree.rootReference,
    idCount: tree.ids.count,
    starts: {
      inode: inodeStart,
      directory: directoryStart,
      fragment: fragment.indexStart,
      lookup: lookup?.indexStart ?? null,
      id: id.indexStart,
      xattr: xattrStart,
    } satisfies TableStarts,
  };
}

/**
 * The inode and directory tables, written as mksquashfs does: depth first, each directory's
 * listing and inode after everything below it (a listing needs its children's inode references,
 * a directory inode its listing's position). Fills the id and xattr tables on the way.
 */
function encodeTree(
  root: DirectoryNode,
  index: TreeIndex,
  layout: DataLayout,
  blockSize: number,
  compress: MetadataCompressor | null,
) {
  const inodes = new MetadataWriter(compress);
  const directories = new MetadataWriter(compress);
  const ids = new IdTable();
  const xattrs = new XattrTable(compress);
  const references: bigint[] = new Array<bigint>(index.count);
  const written = new Map<SquashfsNode, bigint>();
  const context = (node: SquashfsNode): InodeContext => ({
    number: index.numbers.get(node)!,
    nlink: index.links.get(node)!,
    uidIndex: ids.indexOf(node.uid),
    gidIndex: ids.indexOf(node.gid),
    xattrId: xattrs.idOf(node.xattrs),
  });
  const writeInode = (node: SquashfsNode, bytes: Buffer): bigint => {
    const reference = inodes.reference();
    inodes.append(bytes);
    references[index.numbers.get(node)! - 1] = reference;
    written.set(node, reference);
    return reference;
  };
  const writeLeaf = (node: Exclude<SquashfsNode, DirectoryNode>): bigint => {
    if (node.type !== 'file') return writeInode(node, encodeOtherInode(node, context(node)));
    const placement = { blocksStart: layout.blocksStart(node), fragmentIndex: fragmentIndexOf(layout, node) };
    return writeInode(node, encodeFileInode(node, context(node), placement, blockSize));
  };
  const writeDirectory = (dir: DirectoryNode, parentNumber: number): bigint => {
    const number = index.numbers.get(dir)!;
    const entries: ListingEntry[] = [];
    for (const [name, child] of index.sorted.get(dir)!) {
      const reference =
        child.type === 'dir' ? writeDirectory(child, number) : (written.get(child) ?? writeLeaf(child));
      entries.push({
        name: Buffer.from(name, 'utf8'),
        reference,
        number: index.numbers.get(child)!,
        type: child.type,
      });
    }
    const placement = writeListing(directories, entries, parentNumber);
    return writeInode(dir, encodeDirectoryInode(dir, context(dir), placement));
  };
  // The root's parent is one past the last inode number, as mksquashfs writes it.
  const rootReference = writeDirectory(root, index.count + 1);
  return { inodes, directories, ids, xattrs, references, rootReference };
}

/** Appends a directory's listing to the directory table; returns what its inode must say about it. */
function writeListing(
  directories: MetadataWriter,
  entries: readonly ListingEntry[],
  parentNumber: number,
): DirectoryPlacement {
  const position = directories.position();
  const listingStart = directories.contentLength;
  const listing = encodeListing(entries);
  directories.append(listing.bytes);
  const indexes = listing.indexes.map(({ offset, name }) => ({
    offset,
    name,
    block: directories.blockStartOf(listingStart + offset),
  }));
  const extended = needsExtendedDirectory(entries);
  return { ...position, fileSize: listing.bytes.length + 3, parentNumber, extended, indexes };
}

function fragmentIndexOf(layout: DataLayout, file: FileNode): number | null {
  return file.data.fragment ? layout.fragmentIndexOf(file.data.fragment) : null;
}

/** The compressor options block after the superblock, stored uncompressed. */
function metadataBlockOf(content: Uint8Array): Buffer {
  const header = Buffer.alloc(2);
  header.writeUInt16LE(content.length | METADATA_UNCOMPRESSED);
  return Buffer.concat([header, content]);
}

const UNCOMPRESSED_METADATA = FLAG.uncompressedInodes | FLAG.uncompressedXattrs | FLAG.uncompressedIds;

/** The kept flags, with the "uncompressed metadata" bits telling the truth about this image. */
function superblockFlags(kept: number, metadataCompressed: boolean, hasOptions: boolean): number {
  let flags = kept & ~(UNCOMPRESSED_METADATA | FLAG.compressorOptions);
  if (!metadataCompressed) flags |= UNCOMPRESSED_METADATA;
  if (hasOptions) flags |= FLAG.compressorOptions;
  return flags;
}
