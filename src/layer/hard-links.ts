import { chmod, chown, link, lstat, mkdir, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { indexFiles, lookup } from '../squashfs/graft.ts';
import type { DirectoryNode } from '../squashfs/model.ts';
import { hasOpaqueMark } from './copy-up.ts';

/**
 * A hard link of the layer that a step wrote through one of its names (in place: overlayfs, with
 * index=on, copied the inode up once, into its index folder, and showed it under every name) is
 * made one file in the upper dir again: the layer's other names of it are linked to the copied-up
 * file, so the repacked layer keeps them one file with the new content, as an unpacked tree does.
 * A name the steps removed or replaced (a whiteout, an opaque folder, another entry) is left alone;
 * a file replaced by rename (what dpkg does) is a new inode, not in the index, and splits the link
 * as it would anywhere. Returns the paths linked (with a leading slash).
 */
export async function relinkCopiedUpHardLinks(
  upper: string,
  overlayIndex: string,
  layer: DirectoryNode,
): Promise<string[]> {
  const indexed = await indexedInodes(overlayIndex);
  if (!indexed.size) return [];
  const linked: string[] = [];
  for (const paths of indexFiles(layer).values()) {
    if (paths.length < 2) continue;
    const copiedUp = await findCopiedUp(upper, paths, indexed);
    if (copiedUp === undefined) continue;
    for (const path of paths) {
      if (path === copiedUp || !(await showsLayerEntry(upper, path))) continue;
      await linkKeepingTimes(upper, copiedUp, path, layer);
      linked.push(`/${path}`);
    }
  }
  return linked.sort();
}

/** Inode numbers of the files overlayfs indexed: lower hard links it copied up. */
async function indexedInodes(overlayIndex: string): Promise<Set<number>> {
  const names = await readdir(overlayIndex).catch(() => [] as string[]);
  const inodes = new Set<number>();
  for (const name of names) {
    const info = await lstat(join(overlayIndex, name));
    if (info.isFile()) inodes.add(info.ino);
  }
  return inodes;
}

async function findCopiedUp(upper: string, paths: readonly string[], indexed: Set<number>) {
  for (const path of paths) {
    const info = await lstat(join(upper, path)).catch(() => undefined);
    if (info?.isFile() && indexed.has(info.ino)) return path;
  }
  return undefined;
}

/** Whether PATH still shows the layer's entry: nothing in the upper dir there or above it hides it. */
async function showsLayerEntry(upper: string, path: string): Promise<boolean> {
  const names = path.split('/');
  for (let depth = 1; depth <= names.length; depth++) {
    const here = join(upper, ...names.slice(0, depth));
    const info = await lstat(here).catch(() => undefined);
    if (!info) return true;
    if (depth === names.length || !info.isDirectory()) return false;
    if (await hasOpaqueMark(here)) return false;
  }
  return true;
}

/**
 * Links PATH to FROM (both in UPPER), making the folders above PATH that the upper dir lacks with
 * the layer's attributes; every folder on the way keeps its time (a new entry would move it), so
 * the link itself is the only change.
 */
async function linkKeepingTimes(upper: string, from: string, path: string, layer: DirectoryNode) {
  const names = path.split('/');
  const folders = names.slice(0, -1).map((_, index) => names.slice(0, index + 1).join('/'));
  const times = new Map<string, Date>();
  for (const folder of folders) {
    const target = join(upper, folder);
    const info = await lstat(target).catch(() => undefined);
    if (info) {
      times.set(folder, info.mtime);
      continue;
    }
    const node = lookup(layer, folder);
    if (node?.type !== 'dir') throw new Error(`hard link /${path}: the layer has no folder /${folder}`);
    await mkdir(target);
    await chown(target, node.uid, node.gid);
    await chmod(target, node.mode);
    times.set(folder, new Date(node.mtime * 1000));
  }
  await link(join(upper, from), join(upper, path));
  for (const folder of folders.reverse()) {
    const time = times.get(folder)!;
    await utimes(join(upper, folder), time, time);
  }
}
