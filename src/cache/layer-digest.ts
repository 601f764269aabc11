import { createHash } from 'node:crypto';
import type { SquashfsNode } from '../squashfs/model.ts';
import { openSquashfs, type SquashfsImage } from '../squashfs/read.ts';
import { hashFile } from '../layer/file-hash.ts';

/** What a finished layer was, compactly: the sha256 of its bytes and one per path the build changed. */
export interface LayerDigest {
  sha256: string;
  /** Changed path ("/etc/hostname") -> sha256 of what the layer holds there. */
  paths: Record<string, string>;
}

/** What a changed path digests to when the finished layer does not hold it. */
const ABSENT = 'absent';

/**
 * The digest of a finished layer squashfs, read with isoforge's own squashfs reader: regular files
 * by content, symlinks by target, everything else by type and rdev, each with its mode, owner and
 * xattrs. File times are left out: without SOURCE_DATE_EPOCH every touched file's time moves, and
 * the layer's own sha256 already says that the bytes differ.
 */
export async function readLayerDigest(squashfs: string, changed: readonly string[]): Promise<LayerDigest> {
  const sha256 = await hashFile(squashfs);
  await using image = await openSquashfs(squashfs, 0);
  const paths: Record<string, string> = {};
  for (const path of changed) {
    const node = findNode(image.root, path);
    paths[path] = node ? await digestNode(image, node) : ABSENT;
  }
  return { sha256, paths };
}

/** The changed paths whose digests differ between two builds, sorted; a path only one build changed counts too. */
export function differingPaths(before: LayerDigest, after: LayerDigest): string[] {
  const all = new Set([...Object.keys(before.paths), ...Object.keys(after.paths)]);
  return [...all].filter((path) => before.paths[path] !== after.paths[path]).sort();
}

function findNode(root: SquashfsNode, path: string): SquashfsNode | undefined {
  let node: SquashfsNode | undefined = root;
  for (const name of path.split('/').filter(Boolean)) {
    if (node?.type !== 'dir') return undefined;
    node = node.entries.get(name);
  }
  return node;
}

async function digestNode(image: SquashfsImage, node: SquashfsNode): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${node.type}:${node.mode.toString(8)}:${node.uid}:${node.gid}\0`);
  for (const { name, value } of [...node.xattrs].sort((a, b) => (a.name < b.name ? -1 : 1)))
    hash.update(`x:${name}=${Buffer.from(value).toString('hex')}\0`);
  if (node.type === 'file') hash.update(await image.readFile(node));
  else if (node.type === 'symlink') hash.update(`l:${node.target}`);
  else if (node.type === 'char' || node.type === 'block') hash.update(`r:${node.rdev}`);
  return hash.digest('hex');
}
