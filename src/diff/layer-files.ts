import { openSquashfs, type SquashfsImage } from '../squashfs/read.ts';
import type { DirectoryNode, SquashfsNode } from '../squashfs/model.ts';

/** A path inside a layer ("/etc/hostname") and the attributes that differ: type, mode, owner, size, mtime, target, rdev, xattrs, data. */
export interface LayerFileChange {
  path: string;
  fields: string[];
}

/** The files of one layer that B added, removed or changed, from the two squashfs directory and inode tables. */
export interface LayerFilesDiff {
  added: string[];
  removed: string[];
  changed: LayerFileChange[];
}

/** Where a layer's squashfs image sits: the ISO file and the byte offset of its extent. */
export interface LayerImage {
  file: string;
  offset: number;
}

/**
 * Compares the trees of two layers read in place from their ISOs: only the superblock, inode,
 * directory, id, fragment and xattr tables are read, never a file's data. Returns the diff and
 * the bytes read from each ISO.
 */
export async function compareLayerFiles(
  a: LayerImage,
  b: LayerImage,
): Promise<{ files: LayerFilesDiff; bytesReadA: number; bytesReadB: number }> {
  await using left = await openSquashfs(a.file, a.offset);
  await using right = await openSquashfs(b.file, b.offset);
  const files = compareLayerTrees(left, right);
  return { files, bytesReadA: left.bytesRead, bytesReadB: right.bytesRead };
}

/** The files B added, removed or changed between two open squashfs images, from their trees alone. */
export function compareLayerTrees(left: SquashfsImage, right: SquashfsImage): LayerFilesDiff {
  const files: LayerFilesDiff = { added: [], removed: [], changed: [] };
  // Compressed sizes say something only between images compressed alike.
  const sameCompression =
    left.info.compressor === right.info.compressor &&
    left.info.blockSize === right.info.blockSize &&
    Buffer.from(left.info.compressorOptions ?? []).equals(Buffer.from(right.info.compressorOptions ?? []));
  compareDirectories(left.root, right.root, '', { diff: files, compareData: sameCompression });
  return files;
}

interface Walk {
  diff: LayerFilesDiff;
  compareData: boolean;
}

function compareDirectories(x: DirectoryNode, y: DirectoryNode, path: string, walk: Walk): void {
  const { diff } = walk;
  for (const [name, node] of x.entries) {
    if (!y.entries.has(name)) diff.removed.push(...pathsBelow(node, `${path}/${name}`));
  }
  for (const [name, node] of y.entries) {
    const before = x.entries.get(name);
    const childPath = `${path}/${name}`;
    if (!before) {
      diff.added.push(...pathsBelow(node, childPath));
      continue;
    }
    const fields = changedFields(before, node, walk.compareData);
    if (fields.length) diff.changed.push({ path: childPath, fields });
    if (before.type === 'dir' && node.type === 'dir') compareDirectories(before, node, childPath, walk);
    else if (before.type === 'dir') diff.removed.push(...pathsBelow(before, childPath).slice(1));
    else if (node.type === 'dir') diff.added.push(...pathsBelow(node, childPath).slice(1));
  }
}

/** PATH and, for a directory, every path below it. */
function pathsBelow(node: SquashfsNode, path: string): string[] {
  if (node.type !== 'dir') return [path];
  return [path, ...[...node.entries].flatMap(([name, child]) => pathsBelow(child, `${path}/${name}`))];
}

/**
 * The attributes of an entry that differ. A directory's mtime is left out: it moves whenever an
 * entry inside it changes, which is reported on the entry itself. COMPAREDATA: both images are
 * compressed alike, so equal data gives equal block sizes.
 */
export function changedFields(x: SquashfsNode, y: SquashfsNode, compareData = true): string[] {
  if (x.type !== y.type) return ['type'];
  const fields: string[] = [];
  if (x.mode !== y.mode) fields.push('mode');
  if (x.uid !== y.uid || x.gid !== y.gid) fields.push('owner');
  if (x.type !== 'dir' && x.mtime !== y.mtime) fields.push('mtime');
  if (!sameXattrs(x, y)) fields.push('xattrs');
  if (x.type === 'file' && y.type === 'file') {
    if (x.size !== y.size) fields.push('size');
    else if (compareData && !sameBlockSizes(x.data.blockSizes, y.data.blockSizes)) fields.push('data');
  }
  if (x.type === 'symlink' && y.type === 'symlink' && x.target !== y.target) fields.push('target');
  if (
    (x.type === 'char' || x.type === 'block') &&
    (y.type === 'char' || y.type === 'block') &&
    x.rdev !== y.rdev
  ) {
    fields.push('rdev');
  }
  return fields;
}

/**
 * The content proxy for a file of equal size: its full blocks' on-disk size words (compressed
 * size + uncompressed bit, 0 for a hole), position by position. Block addresses move between
 * images, sizes do not: any change to a block's bytes almost always changes its compressed size.
 * The tail in a fragment has no size of its own (its fragment block is shared with other files),
 * so a small file rewritten with the same size and mtime is not seen: reading every fragment
 * block would mean decompressing most of the layer, which is what this diff avoids.
 */
function sameBlockSizes(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((size, i) => size === y[i]);
}

function sameXattrs(x: SquashfsNode, y: SquashfsNode): boolean {
  const render = (node: SquashfsNode) =>
    node.xattrs
      .map(({ name, value }) => `${name}=${Buffer.from(value).toString('hex')}`)
      .sort()
      .join('\n');
  return render(x) === render(y);
}
