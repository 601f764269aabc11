import { FormatError } from '../errors.ts';
import type { ByteView } from '../iso/bytes.ts';
import type { ImageFile } from './file.ts';
import { readMetadataTable, type MetadataTable } from './metadata.ts';
import type { SquashfsCompressor, Xattr } from './model.ts';
import { readIndex, readLookupTable } from './tables.ts';

/** squashfs_fs.h: xattr name prefixes by type; bit 8 of the type marks an out-of-line value. */
const PREFIXES = ['user.', 'trusted.', 'security.'];
const VALUE_OUT_OF_LINE = 0x100;
/** An inode's xattr index when it has none. */
export const NO_XATTRS = 0xffffffff;

/** The xattr sets of an image, by the index inodes carry; decoded on first use and shared. */
export class XattrTable {
  private readonly decoded = new Map<number, Xattr[]>();

  constructor(
    private readonly ids: ByteView,
    private readonly count: number,
    private readonly data: MetadataTable,
  ) {}

  lookup(index: number): Xattr[] {
    if (index === NO_XATTRS) return [];
    if (index >= this.count)
      throw new FormatError(`squashfs xattr id ${index} is out of range (${this.count} ids)`);
    let xattrs = this.decoded.get(index);
    if (!xattrs) {
      xattrs = this.decode(this.ids.u64leBig(index * 16), this.ids.u32le(index * 16 + 8));
      this.decoded.set(index, xattrs);
    }
    return xattrs.map((xattr) => ({ ...xattr }));
  }

  private decode(reference: bigint, count: number): Xattr[] {
    const view = this.data.view();
    let position = this.position(reference);
    const xattrs: Xattr[] = [];
    for (let i = 0; i < count; i++) {
      const type = view.u16le(position);
      const prefix = PREFIXES[type & 0xff];
      if (prefix === undefined)
        throw new FormatError(`squashfs xattr table is corrupt: unknown name prefix ${type & 0xff}`);
      const nameSize = view.u16le(position + 2);
      const name = prefix + new TextDecoder().decode(view.slice(position + 4, nameSize));
      position += 4 + nameSize;
      const valueSize = view.u32le(position);
      let value = view.slice(position + 4, valueSize);
      position += 4 + valueSize;
      if (type & VALUE_OUT_OF_LINE) {
        const at = this.position(view.u64leBig(position - valueSize));
        value = view.slice(at + 4, view.u32le(at));
      }
      xattrs.push({ name, value: value.slice() });
    }
    return xattrs;
  }

  private position(reference: bigint): number {
    return this.data.at(Number(reference >> 16n), Number(reference & 0xffffn));
  }
}

/** Reads the xattr id table at XATTRIDTABLESTART and the xattr data it points into. */
export async function readXattrTable(
  file: ImageFile,
  compressor: SquashfsCompressor,
  xattrIdTableStart: number,
): Promise<XattrTable> {
  const header = await file.read(xattrIdTableStart, 16, 'xattr id table header');
  const headerView = new DataView(header.buffer);
  const dataStart = Number(headerView.getBigUint64(0, true));
  const count = headerView.getUint32(8, true);
  const indexStart = xattrIdTableStart + 16;
  const ids = await readLookupTable(file, compressor, indexStart, count, 16, 'xattr id table');
  // The xattr data runs from its start to the first block of the id table that follows it.
  const [firstIdBlock] = count > 0 ? await readIndex(file, indexStart, 1, 'xattr id table') : [dataStart];
  const end = firstIdBlock ?? dataStart;
  if (end < dataStart)
    throw new FormatError(`squashfs xattr table is corrupt: data at ${dataStart} ends at ${end}`);
  const data = await readMetadataTable(file, compressor, dataStart, end, 'xattr table');
  return new XattrTable(ids, count, data);
}
