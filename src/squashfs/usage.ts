import type { DirectoryNode, SquashfsNode } from './model.ts';

const DISK_BLOCK = 4096;
/** ext4 keeps a symlink target of up to 59 bytes in the inode itself: no block. */
const FAST_SYMLINK_MAX = 59;

function roundUp(bytes: number): number {
  return Math.ceil(bytes / DISK_BLOCK) * DISK_BLOCK;
}

/**
 * What `du -sx --block-size=1` would print for TREE unpacked on ext4 with 4 KiB blocks, the figure
 * casper's filesystem.size and live-build's filesystem.size hold, reckoned from the tree model
 * without unpacking: each inode once (hard links), files by their non-sparse blocks, directories
 * by their entries (8 bytes + the name padded to 4), long symlinks one block.
 */
export function estimateUnpackedBytes(root: DirectoryNode, blockSize: number): number {
  const seen = new Set<SquashfsNode>();
  let total = 0;
  const visit = (node: SquashfsNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    total += allocatedBytes(node, blockSize);
    if (node.type === 'dir') for (const child of node.entries.values()) visit(child);
  };
  visit(root);
  return total;
}

function allocatedBytes(node: SquashfsNode, blockSize: number): number {
  switch (node.type) {
    case 'dir': {
      let listing = 24; // "." and ".."
      for (const name of node.entries.keys()) listing += 8 + Math.ceil(Buffer.byteLength(name) / 4) * 4;
      return roundUp(listing);
    }
    case 'file': {
      let bytes = 0;
      node.data.blockSizes.forEach((size, index) => {
        if (size !== 0) bytes += roundUp(Math.min(blockSize, node.size - index * blockSize));
      });
      if (node.data.fragment) bytes += roundUp(node.size % blockSize);
      return bytes;
    }
    case 'symlink':
      return Buffer.byteLength(node.target) > FAST_SYMLINK_MAX ? DISK_BLOCK : 0;
    default:
      return 0;
  }
}
