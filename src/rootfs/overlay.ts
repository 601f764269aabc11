import { chmod, chown, lstat, mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { onlyFileSecurityXattrs, type Seed, seedSecurityXattrs } from '../rootless/capability-seeds.ts';
import { squashfuseSource, type ViewOptions } from '../rootless/lower-views.ts';
import type { SquashfsImage } from '../squashfs/read.ts';
import { isRootless } from '../rootless/mode.ts';
import { SQUASHFUSE } from '../tools/mount.ts';
import type { MountRequest, MountStack } from './mounts.ts';

/** Where a squashfs layer lies inside the ISO file: ISO 9660 files are contiguous extents. */
export interface LayerExtent {
  name: string;
  /** The file holding the layer: the input ISO, or a layer this build already rebuilt. */
  file: string;
  offset: number;
  size: number;
}

/** Mounts a layer straight out of the ISO file (loop with offset, read-only): no extraction, no copy. */
export async function mountLayer(
  mounts: MountStack,
  layer: LayerExtent,
  target: string,
  options: ViewOptions = {},
) {
  await mkdir(target, { recursive: true });
  const viewed = isRootless() && !options.seedsStandIn;
  const source = viewed
    ? { ...layer, ...(await squashfuseSource(layer, `${target}.squashfs`, mounts)) }
    : layer;
  await mounts.mount(layerMount(source, target));
}

/** Mounts each layer of CHAIN (bottom first) at MOUNTPOINT(layer, index); the mount points top first, as overlayfs lists lowerdirs. */
export async function mountLayerChain(
  mounts: MountStack,
  chain: readonly LayerExtent[],
  mountPoint: (layer: LayerExtent, index: number) => string,
  options: ViewOptions = {},
): Promise<string[]> {
  const lowerDirs: string[] = [];
  for (const [index, layer] of chain.entries()) {
    await mountLayer(mounts, layer, mountPoint(layer, index), options);
    lowerDirs.unshift(mountPoint(layer, index));
  }
  return lowerDirs;
}

/**
 * An overlayfs on TARGET over LOWERDIRS (top first); read-only without an upper dir, or when asked.
 * With INDEX (index=on), a lower hard link written through one name is copied up once, into the
 * work dir's index folder, and every name shows the new content, as in an unpacked tree.
 */
export function overlayMount(
  target: string,
  lowerDirs: readonly string[],
  upper?: { upper: string; work: string; index?: boolean; readOnly?: boolean },
): MountRequest {
  const options = [`lowerdir=${lowerDirs.join(':')}`];
  if (upper) options.push(`upperdir=${upper.upper}`, `workdir=${upper.work}`);
  // In a user namespace overlayfs may not write trusted.* xattrs: its marks go to user.overlay.*.
  if (isRootless()) options.push('userxattr');
  if (upper?.index) options.push('index=on');
  return {
    source: 'overlay',
    target,
    fstype: 'overlay',
    options,
    readOnly: !upper || upper.readOnly === true,
  };
}

/**
 * The read-only mount of a squashfs layer inside the ISO at MOUNTPOINT: a loop device with an
 * offset, or in rootless mode squashfuse with one (no loop device there).
 */
export function layerMount(layer: LayerExtent, mountPoint: string): MountRequest {
  if (isRootless()) {
    const options = ['ro', ...(layer.offset ? [`offset=${layer.offset}`] : [])];
    return { source: layer.file, target: mountPoint, fstype: SQUASHFUSE, options };
  }
  return {
    source: layer.file,
    target: mountPoint,
    fstype: 'squashfs',
    options: ['loop', `offset=${layer.offset}`, `sizelimit=${layer.size}`],
    readOnly: true,
  };
}

export interface DeltaWorkspace {
  /** What the steps changed, and only that (whiteouts and opaque folders included). */
  upper: string;
  /** The merged view to chroot into: the layer over its ancestors. */
  root: string;
  /** The ancestors alone, merged read-only: the "before" for an upper layer's manifest delta. */
  lowerView: string | null;
  /** overlayfs's index folder: the lower hard links it copied up (layer/hard-links.ts). */
  overlayIndex: string;
  /** Rootless mode: files put in the upper dir with their file capabilities before the steps (capability-seeds.ts). */
  seeds: Seed[];
}

/**
 * The layer itself mounted read-only as the top lowerdir (over its ancestors) with an empty upper
 * dir: nothing is unpacked, and afterwards the upper dir holds exactly what the steps changed
 * (whiteouts and opaque directories included), to be folded into the layer or packed with it.
 */
export async function openDeltaWorkspace(options: {
  dir: string;
  lowerMountPoint: (name: string) => string;
  target: LayerExtent;
  ancestors: readonly LayerExtent[];
  mounts: MountStack;
  /** The chain opened in place, top first (rootless mode reads its xattrs to seed the upper dir). */
  stack: readonly SquashfsImage[];
}): Promise<DeltaWorkspace> {
  const { dir, target, ancestors, mounts } = options;
  const upper = join(dir, 'upper');
  const merged = join(dir, 'merged');
  const overlayWork = join(dir, 'work');
  for (const folder of [upper, merged, overlayWork]) await mkdir(folder, { recursive: true });
  const chain = [...ancestors, target];
  // Rootless mode: a chain whose only privileged xattrs are file capabilities is seeded, not viewed.
  const seeded = isRootless() && options.stack.every((image) => onlyFileSecurityXattrs(image.root));
  const lowerDirs = await mountLayerChain(mounts, chain, (layer) => options.lowerMountPoint(layer.name), {
    seedsStandIn: seeded,
  });
  await copyRootAttributes(lowerDirs[0]!, upper);
  const seeds = seeded ? await seedSecurityXattrs(options.stack, upper) : [];
  await mounts.mount(overlayMount(merged, lowerDirs, { upper, work: overlayWork, index: true }));
  const lowerView = await mountLowerView(dir, lowerDirs.slice(1), mounts);
  return { upper, root: merged, lowerView, overlayIndex: join(overlayWork, 'index'), seeds };
}

/**
 * A base layer with what the steps left in its upper dir (openDeltaWorkspace, then cleaned): the
 * same overlay mounted again, read-only, for mksquashfs to pack whole. Returns the merged view's path.
 */
export async function mountChangedLayer(options: {
  dir: string;
  lowerMountPoint: (name: string) => string;
  target: LayerExtent;
  mounts: MountStack;
}): Promise<string> {
  const { dir, target, mounts } = options;
  const [layer] = await mountLayerChain(mounts, [target], (extent) => options.lowerMountPoint(extent.name));
  const view = join(dir, 'merged');
  const work = { upper: join(dir, 'upper'), work: join(dir, 'work'), index: true, readOnly: true };
  await mounts.mount(overlayMount(view, [layer!], work));
  return view;
}

/** The ancestors merged read-only (one of them needs no overlay): the manifest delta's "before". */
async function mountLowerView(dir: string, lowerDirs: string[], mounts: MountStack): Promise<string | null> {
  if (lowerDirs.length <= 1) return lowerDirs[0] ?? null;
  const lowerView = join(dir, 'lower-view');
  await mkdir(lowerView, { recursive: true });
  await mounts.mount(overlayMount(lowerView, lowerDirs));
  return lowerView;
}

/** The upper dir is the merged root (overlayfs never copies the root up): it must look like the layer's. */
async function copyRootAttributes(from: string, to: string): Promise<void> {
  const info = await lstat(from);
  await chown(to, info.uid, info.gid);
  await chmod(to, info.mode & 0o7777);
  await utimes(to, info.atime, info.mtime);
}
