import { FormatError } from '../errors.ts';
import type { ImageFile } from './file.ts';
import { readMetadataBlock, readMetadataTable, type MetadataTable } from './metadata.ts';
import type { SquashfsImageInfo } from './model.ts';
import { SUPERBLOCK_SIZE, SuperblockFlag } from '../iso/squashfs-layout.ts';
import { parseSquashfsHeader, type SquashfsHeader } from './superblock.ts';
import {
  type FragmentEntry,
  parseFragmentTable,
  parseIdTable,
  readIndex,
  readLookupTable,
} from './tables.ts';
import { readXattrTable, type XattrTable } from './xattrs.ts';

/** Everything the tree walk needs, read from the image's metadata (never its data blocks). */
export interface ImageTables {
  header: SquashfsHeader;
  info: SquashfsImageInfo;
  ids: number[];
  fragments: FragmentEntry[];
  xattrs: XattrTable | null;
  inodes: MetadataTable;
  directories: MetadataTable;
}

/** Reads the superblock, then every table it points to, with one positioned read per table. */
export async function readTables(file: ImageFile): Promise<ImageTables> {
  const header = parseSquashfsHeader(await file.read(0, SUPERBLOCK_SIZE, 'superblock'));
  if (header.bytesUsed > file.length) {
    throw new FormatError(
      `squashfs image is truncated: the superblock says ${header.bytesUsed} bytes, ${file.path} has ${file.length} from offset ${file.offset}`,
      { hint: 'the file was cut short (an interrupted copy or download?)' },
    );
  }
  file.length = header.bytesUsed;
  const { compressor } = header;
  const compressorOptions =
    header.flags & SuperblockFlag.compressorOptions
      ? await readMetadataBlock(file, compressor, SUPERBLOCK_SIZE, 'compressor options')
      : null;
  const { ids, fragments } = await readIdsAndFragments(file, header);
  const xattrs =
    header.xattrIdTableStart !== null
      ? await readXattrTable(file, compressor, header.xattrIdTableStart)
      : null;
  const inodes = await readMetadataTable(
    file,
    compressor,
    header.inodeTableStart,
    header.directoryTableStart,
    'inode table',
  );
  const directoryEnd = await directoryTableEnd(file, header);
  const directories = await readMetadataTable(
    file,
    compressor,
    header.directoryTableStart,
    directoryEnd,
    'directory table',
  );
  const info: SquashfsImageInfo = {
    file: file.path,
    offset: file.offset,
    compressor,
    blockSize: header.blockSize,
    mkfsTime: header.mkfsTime,
    flags: header.flags,
    compressorOptions,
    bytesUsed: header.bytesUsed,
    inodeCount: header.inodeCount,
  };
  return { header, info, ids, fragments, xattrs, inodes, directories };
}

/**
 * The superblock does not say where the directory table ends: it is followed by whichever table
 * comes next (mksquashfs: fragments, export, ids, xattrs), so it ends at the lowest position of
 * any later table's first metadata block or index.
 */
async function directoryTableEnd(file: ImageFile, header: SquashfsHeader): Promise<number> {
  const candidates: number[] = [header.idTableStart];
  const firstBlock = async (indexStart: number | null, count: number, what: string): Promise<void> => {
    if (indexStart === null) return;
    candidates.push(indexStart);
    if (count > 0) candidates.push(...(await readIndex(file, indexStart, 1, what)));
  };
  await firstBlock(header.idTableStart, header.idCount, 'id table');
  await firstBlock(header.fragmentTableStart, header.fragmentCount, 'fragment table');
  await firstBlock(header.exportTableStart, header.inodeCount, 'export table');
  if (header.xattrIdTableStart !== null) {
    candidates.push(header.xattrIdTableStart);
    const xattrHeader = await file.read(header.xattrIdTableStart, 8, 'xattr id table header');
    candidates.push(Number(new DataView(xattrHeader.buffer).getBigUint64(0, true)));
  }
  const end = Math.min(...candidates.filter((start) => start >= header.directoryTableStart));
  if (!Number.isFinite(end))
    throw new FormatError('squashfs superblock is corrupt: no table follows the directory table');
  return end;
}

async function readIdsAndFragments(
  file: ImageFile,
  header: SquashfsHeader,
): Promise<{ ids: number[]; fragments: FragmentEntry[] }> {
  const { compressor } = header;
  const ids = parseIdTable(
    await readLookupTable(file, compressor, header.idTableStart, header.idCount, 4, 'id table'),
    header.idCount,
  );
  const fragments =
    header.fragmentTableStart !== null && header.fragmentCount > 0
      ? parseFragmentTable(
          await readLookupTable(
            file,
            compressor,
            header.fragmentTableStart,
            header.fragmentCount,
            16,
            'fragment table',
          ),
          header.fragmentCount,
        )
      : [];
  return { ids, fragments };
}
