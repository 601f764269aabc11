import { chmod, lchown, lstat, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirectoryNode, FileNode, SquashfsNode } from '../squashfs/model.ts';
import { lookupInStack } from '../squashfs/overlay.ts';
import type { SquashfsImage } from '../squashfs/read.ts';
import { runSetfattr } from '../tools/attr.ts';

/**
 * File capabilities (security.capability, on ping and the like) of a layer read through a
 * squashfuse that hides them (0.1.x shows them as trusted.*, which root of a user namespace cannot
 * read): such a file, copied up by a step, would lose them. Instead of a view of the whole layer
 * (lower-views.ts), each visible file with security.* xattrs is put in the upper dir before the
 * steps, as overlayfs would copy it up, its xattrs set from isoforge's own reading of the layer.
 * The kernel then treats it as in a root build: a write or chown drops the capability, a touch
 * keeps it. What no step touched is taken out again afterwards, and the layer keeps its own.
 */
export interface Seed {
  path: string;
  ino: number;
  ctimeNs: bigint;
}

/** Whether a layer's privileged xattrs are only security.* on regular files: seeds can stand in for a view. */
export function onlyFileSecurityXattrs(root: DirectoryNode): boolean {
  for (const [, node] of walk(root)) {
    for (const x of node.xattrs) {
      if (x.name.startsWith('user.')) continue;
      if (!x.name.startsWith('security.') || node.type !== 'file') return false;
    }
  }
  return true;
}

/** Seeds UPPER with the files of STACK (top first) that carry security.* xattrs and show in the merged view. */
export async function seedSecurityXattrs(stack: readonly SquashfsImage[], upper: string): Promise<Seed[]> {
  const roots = stack.map((image) => image.root);
  const seeds: Seed[] = [];
  const seen = new Set<string>();
  for (const image of stack) {
    for (const [path, node] of walk(image.root)) {
      if (node.type !== 'file' || seen.has(path) || !node.xattrs.some((x) => x.name.startsWith('security.')))
        continue;
      seen.add(path);
      if (lookupInStack(roots, path) !== node) continue;
      await seedParents(roots, upper, path);
      seeds.push(await seedFile(image, node, upper, path));
    }
  }
  return seeds;
}

/** Takes out the seeds no step touched (same inode, same ctime); returns their paths. */
export async function removeUntouchedSeeds(upper: string, seeds: readonly Seed[]): Promise<string[]> {
  const removed: string[] = [];
  for (const seed of seeds) {
    const info = await lstat(join(upper, seed.path), { bigint: true }).catch(() => undefined);
    if (!info || Number(info.ino) !== seed.ino || info.ctimeNs !== seed.ctimeNs) continue;
    await rm(join(upper, seed.path));
    removed.push(seed.path);
  }
  return removed;
}

// The folders on the way, as overlayfs copies them up: owner, mode and time of the merged view's.
async function seedParents(roots: readonly DirectoryNode[], upper: string, path: string): Promise<void> {
  const names = path.split('/').filter(Boolean).slice(0, -1);
  for (let depth = 1; depth <= names.length; depth++) {
    const dirPath = `/${names.slice(0, depth).join('/')}`;
    const target = join(upper, dirPath);
    if (await lstat(target).catch(() => undefined)) continue;
    const node = lookupInStack(roots, dirPath);
    if (node?.type !== 'dir') throw new Error(`rootless seeds: ${dirPath} is not a folder in the layers`);
    await mkdir(target);
    await applyAttributes(target, node);
  }
}

// Its xattrs as a copy-up takes them (trusted.* aside, which the namespace may not write).
async function seedFile(image: SquashfsImage, node: FileNode, upper: string, path: string): Promise<Seed> {
  const target = join(upper, path);
  await writeFile(target, await image.readFile(node));
  await applyAttributes(target, node);
  for (const x of node.xattrs) if (!x.name.startsWith('trusted.')) await runSetfattr(target, x.name, x.value);
  const info = await lstat(target, { bigint: true });
  return { path, ino: Number(info.ino), ctimeNs: info.ctimeNs };
}

// Owner first: a chown clears the set-id bits a chmod would have set.
async function applyAttributes(target: string, node: SquashfsNode): Promise<void> {
  await lchown(target, node.uid, node.gid);
  await chmod(target, node.mode);
  await utimes(target, node.mtime, node.mtime);
}

/** ROOT (path "") and every node below it with its path ("/etc/x"), parents first. */
export function* walk(root: DirectoryNode): Generator<[string, SquashfsNode]> {
  yield ['', root];
  yield* walkBelow(root, '');
}

function* walkBelow(dir: DirectoryNode, prefix: string): Generator<[string, SquashfsNode]> {
  for (const [name, node] of dir.entries) {
    const path = `${prefix}/${name}`;
    yield [path, node];
    if (node.type === 'dir') yield* walkBelow(node, path);
  }
}
