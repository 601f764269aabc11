import { DATA_UNCOMPRESSED } from './format.ts';
import type { DirectoryNode, FileNode, SquashfsNode } from './model.ts';

/**
 * Block reuse keeps the original's FileNodes in the new tree (overlay.ts), their data still
 * pointing into the original image, so the writer copies their blocks instead of recompressing them.
 *
 * Fragments: a fragment block of the original is copied whole when any reused file still has its
 * tail in it. The tails of changed or deleted files stay in that block as dead bytes (never
 * referenced); splitting the block would mean decompressing and recompressing it, which is what
 * block reuse avoids. `fragmentReuse` measures the cost.
 */

/** Paths are relative to the image root, '/'-separated, without a leading slash. */
function normalize(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Every regular file of TREE by path, and the paths naming each file node (hard-link groups). */
export function indexFiles(root: DirectoryNode): Map<FileNode, string[]> {
  const paths = new Map<FileNode, string[]>();
  const walk = (dir: DirectoryNode, prefix: string) => {
    for (const [name, node] of dir.entries) {
      const path = prefix ? `${prefix}/${name}` : name;
      if (node.type === 'dir') walk(node, path);
      else if (node.type === 'file') paths.set(node, [...(paths.get(node) ?? []), path]);
    }
  };
  walk(root, '');
  return paths;
}

/** Looks PATH up in ROOT; null when a component is missing or not a directory. */
export function lookup(root: DirectoryNode, path: string): SquashfsNode | null {
  let node: SquashfsNode = root;
  for (const name of normalize(path).split('/').filter(Boolean)) {
    if (node.type !== 'dir') return null;
    const next = node.entries.get(name);
    if (!next) return null;
    node = next;
  }
  return node;
}

export interface FragmentReuse {
  /** Fragment blocks of the original copied into the new image, and their on-disk bytes. */
  blocks: number;
  bytes: number;
  /** Of those, the blocks that also hold tails of files not reused (dead bytes), and their bytes. */
  mixedBlocks: number;
  mixedBytes: number;
}

/** How much of the original's fragment data the grafted files keep alive, and how much of it is mixed. */
export function fragmentReuse(original: DirectoryNode, reused: readonly string[]): FragmentReuse {
  const reusedSet = new Set(reused);
  const blocks = new Map<number, { size: number; live: boolean; dead: boolean }>();
  for (const [file, paths] of indexFiles(original)) {
    const fragment = file.data.fragment;
    if (!fragment) continue;
    const block = blocks.get(fragment.start) ?? {
      size: fragment.sizeWord & ~DATA_UNCOMPRESSED,
      live: false,
      dead: false,
    };
    if (reusedSet.has(paths[0]!)) block.live = true;
    else block.dead = true;
    blocks.set(fragment.start, block);
  }
  const live = [...blocks.values()].filter((block) => block.live);
  const mixed = live.filter((block) => block.dead);
  const sum = (list: typeof live) => list.reduce((total, block) => total + block.size, 0);
  return { blocks: live.length, bytes: sum(live), mixedBlocks: mixed.length, mixedBytes: sum(mixed) };
}
