import { sortedEntries } from './directory-listing.ts';
import type { DirectoryNode, FileNode, SquashfsNode } from './model.ts';

/** What the writer needs to know about a tree before writing it. */
export interface TreeIndex {
  /** Inode number of each node (a hard-linked node has one). */
  numbers: Map<SquashfsNode, number>;
  /** nlink: directory entries naming a node; 2 + subdirectories for a directory. */
  links: Map<SquashfsNode, number>;
  /** Each directory's entries in squashfs name order. */
  sorted: Map<DirectoryNode, [string, SquashfsNode][]>;
  /** Every distinct regular file. */
  files: FileNode[];
  count: number;
}

/**
 * Numbers the inodes as mksquashfs's dir_scan6 does, so directory listings (whose headers split
 * on inode number distance) come out byte for byte the same size: depth first in name order, each
 * entry numbered before the walk descends into it, the root last. A node reached again through
 * another entry (a hard link) keeps its first number and counts one more link.
 */
export function numberInodes(root: DirectoryNode): TreeIndex {
  const index: TreeIndex = { numbers: new Map(), links: new Map(), sorted: new Map(), files: [], count: 0 };
  const visit = (dir: DirectoryNode) => {
    const entries = sortedEntries(dir.entries);
    index.sorted.set(dir, entries);
    let subdirectories = 0;
    for (const [, child] of entries) {
      if (child.type === 'dir') {
        if (index.numbers.has(child)) throw new Error('squashfs writer: a directory is linked twice');
        subdirectories += 1;
        index.numbers.set(child, ++index.count);
        visit(child);
        continue;
      }
      index.links.set(child, (index.links.get(child) ?? 0) + 1);
      if (index.numbers.has(child)) continue;
      index.numbers.set(child, ++index.count);
      if (child.type === 'file') index.files.push(child);
    }
    index.links.set(dir, 2 + subdirectories);
  };
  visit(root);
  index.numbers.set(root, ++index.count);
  return index;
}
