import { FRAGMENT_ENTRY_SIZE, XATTR_PREFIXES } from './format.ts';
import type { PlacedFragment } from './data-layout.ts';
import { MetadataWriter, type MetadataCompressor } from './metadata-writer.ts';
import type { Xattr } from './model.ts';

/** The uid/gid table: each distinct id once, inodes store its u16 index. */
export class IdTable {
  private readonly indexes = new Map<number, number>();

  indexOf(id: number): number {
    let index = this.indexes.get(id);
    if (index === undefined) {
      index = this.indexes.size;
      if (index > 0xffff) throw new Error('squashfs writer: more than 65536 distinct uids and gids');
      this.indexes.set(id, index);
    }
    return index;
  }

  get count(): number {
    return this.indexes.size;
  }

  encode(): Buffer {
    const bytes = Buffer.alloc(this.indexes.size * 4);
    for (const [id, index] of this.indexes) bytes.writeUInt32LE(id >>> 0, index * 4);
    return bytes;
  }
}

/**
 * The xattr tables: each distinct set of xattrs is written once as name/value pairs (names
 * without their user./trusted./security. prefix, values inline) and gets one id; the id table
 * holds the pairs' reference, count and size (squashfs_xattr_id).
 */
export class XattrTable {
  private readonly ids = new Map<string, number>();
  private readonly entries: Buffer[] = [];
  readonly pairs: MetadataWriter;

  constructor(compress: MetadataCompressor | null) {
    this.pairs = new MetadataWriter(compress);
  }

  idOf(xattrs: readonly Xattr[]): number | null {
    if (!xattrs.length) return null;
    const sorted = [...xattrs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = JSON.stringify(sorted.map((x) => [x.name, Buffer.from(x.value).toString('base64')]));
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.entries.length;
    const entry = Buffer.alloc(16);
    entry.writeBigUInt64LE(this.pairs.reference(), 0);
    entry.writeUInt32LE(sorted.length, 8);
    let size = 0;
    for (const xattr of sorted) size += this.appendPair(xattr);
    entry.writeUInt32LE(size, 12);
    this.entries.push(entry);
    this.ids.set(key, id);
    return id;
  }

  get count(): number {
    return this.entries.length;
  }

  encodeIds(): Buffer {
    return Buffer.concat(this.entries);
  }

  private appendPair(xattr: Xattr): number {
    const prefix = XATTR_PREFIXES.find(([text]) => xattr.name.startsWith(text));
    if (!prefix)
      throw new Error(`squashfs writer: xattr ${xattr.name} has no user., trusted. or security. prefix`);
    const name = Buffer.from(xattr.name.slice(prefix[0].length), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt16LE(prefix[1], 0);
    head.writeUInt16LE(name.length, 2);
    const valueSize = Buffer.alloc(4);
    valueSize.writeUInt32LE(xattr.value.length, 0);
    this.pairs.append(Buffer.concat([head, name, valueSize, xattr.value]));
    return 8 + name.length + xattr.value.length;
  }
}

/** squashfs_fragment_entry: start, size word, unused. */
export function encodeFragmentEntries(fragments: readonly PlacedFragment[]): Buffer {
  const bytes = Buffer.alloc(fragments.length * FRAGMENT_ENTRY_SIZE);
  fragments.forEach((fragment, i) => {
    bytes.writeBigUInt64LE(BigInt(fragment.start), i * FRAGMENT_ENTRY_SIZE);
    bytes.writeUInt32LE(fragment.sizeWord >>> 0, i * FRAGMENT_ENTRY_SIZE + 8);
  });
  return bytes;
}

/** The export table: inode number N -> its inode reference, at index N - 1. */
export function encodeExportEntries(references: readonly bigint[]): Buffer {
  const bytes = Buffer.alloc(references.length * 8);
  references.forEach((reference, i) => bytes.writeBigUInt64LE(reference, i * 8));
  return bytes;
}
