import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DirectoryNode, SquashfsNode, Xattr } from '../squashfs/model.ts';
import { OPAQUE } from '../squashfs/overlay.ts';
import { walk } from './capability-seeds.ts';
import { openSquashfs } from '../squashfs/read.ts';
import { writeSquashfs } from '../squashfs/write.ts';
import { runCommand } from '../tools/exec.ts';
import { runGetfattrNames } from '../tools/attr.ts';
import { SQUASHFUSE } from '../tools/mount.ts';
import type { MountStack } from '../rootfs/mounts.ts';

/**
 * What a layer must look like to squashfuse for an overlay in a user namespace to show what the
 * boot shows. Root of a user namespace can neither read nor write trusted.* xattrs, so:
 * - a lower layer's opaque directories (trusted.overlay.opaque) would not hide what lies below;
 * - a copy-up of a folder carrying the making machine's overlay marks (trusted.overlay.origin...)
 *   fails with EPERM once squashfuse 0.1.x shows them as security.* (it swaps the two namespaces:
 *   vasi/squashfuse#78, fixed by #83 after the 0.1.105 that Debian 12 and Ubuntu 24.04 ship).
 * A layer with such xattrs is therefore given to squashfuse as a view: the same tree and the same
 * file data (the block-reuse writer copies the blocks), with the opaque mark as user.overlay.opaque
 * (read by overlayfs's userxattr mode), other trusted.* dropped, and security.* (file
 * capabilities) stored so that this squashfuse shows them under their own name.
 */

interface LayerSource {
  file: string;
  offset: number;
}

export interface ViewOptions {
  /**
   * The steps' upper dir holds the chain's files with security.* xattrs, and the chain has no other
   * privileged xattrs (capability-seeds.ts): no view needed. Never for a merged view packed whole.
   */
  seedsStandIn?: boolean;
}

/** A layer for squashfuse: the original when nothing needs changing, else a view written to OUT. */
export async function squashfuseSource(
  layer: LayerSource,
  out: string,
  mounts: MountStack,
): Promise<LayerSource> {
  await using image = await openSquashfs(layer.file, layer.offset);
  if (!hasPrivilegedXattrs(image.root)) return layer;
  const swapped = await squashfuseSwapsNamespaces(dirname(out), mounts);
  const root = viewTree(image.root, (xattrs) => viewXattrs(xattrs, swapped));
  await writeSquashfs(root, out, { info: image.info, mkfsTime: image.info.mkfsTime });
  return { file: out, offset: 0 };
}

function hasPrivilegedXattrs(root: DirectoryNode): boolean {
  for (const [, node] of walk(root)) if (node.xattrs.some((x) => !x.name.startsWith('user.'))) return true;
  return false;
}

/** The xattrs a view keeps of XATTRS; SWAPPED names security.* so that squashfuse 0.1.x shows it as such. */
export function viewXattrs(xattrs: readonly Xattr[], swapped: boolean): Xattr[] {
  const kept: Xattr[] = [];
  for (const x of xattrs) {
    if (x.name === OPAQUE) kept.push({ ...x, name: 'user.overlay.opaque' });
    else if (x.name.startsWith('security.'))
      kept.push(swapped ? { ...x, name: `trusted.${x.name.slice('security.'.length)}` } : x);
    else if (!x.name.startsWith('trusted.')) kept.push(x);
  }
  return kept;
}

// A copy of the tree with new xattrs; a hard link stays one node.
function viewTree(root: DirectoryNode, map: (xattrs: readonly Xattr[]) => Xattr[]): DirectoryNode {
  const copies = new Map<SquashfsNode, SquashfsNode>();
  const copy = (node: SquashfsNode): SquashfsNode => {
    const done = copies.get(node);
    if (done) return done;
    const made: SquashfsNode =
      node.type === 'dir'
        ? {
            ...node,
            xattrs: map(node.xattrs),
            entries: new Map([...node.entries].map(([n, c]) => [n, copy(c)])),
          }
        : { ...node, xattrs: map(node.xattrs) };
    copies.set(node, made);
    return made;
  };
  return copy(root) as DirectoryNode;
}

const swapProbes = new Map<string, Promise<boolean>>();

/**
 * Whether this squashfuse shows an image's trusted.* xattrs as security.* (0.1.x): asked of
 * squashfuse itself, with a one-file image holding trusted.isoforge-probe, mounted in DIR.
 */
export function squashfuseSwapsNamespaces(dir: string, mounts: MountStack): Promise<boolean> {
  let probe = swapProbes.get(dir);
  if (!probe) {
    probe = probeSwap(dir, mounts);
    swapProbes.set(dir, probe);
  }
  return probe;
}

async function probeSwap(dir: string, mounts: MountStack): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const temp = await mkdtemp(join(dir, '.squashfuse-probe-'));
  try {
    const image = join(temp, 'probe.squashfs');
    const mountPoint = join(temp, 'mnt');
    await mkdir(mountPoint);
    await writeProbeImage(join(temp, 'tree'), image);
    await mounts.mount({ source: image, target: mountPoint, fstype: SQUASHFUSE, options: ['ro'] });
    try {
      const names = await runGetfattrNames(mountPoint);
      return names.includes('security.isoforge-probe');
    } finally {
      await mounts.unmountNewest(mountPoint);
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

// mksquashfs cannot be given a trusted.* xattr here (root of a user namespace may not set one):
// the probe's tree is an empty folder, its xattr put in by isoforge's writer.
async function writeProbeImage(tree: string, out: string): Promise<void> {
  await mkdir(tree);
  const base = join(dirname(out), 'base.squashfs');
  await runCommand(['mksquashfs', tree, base, '-quiet', '-no-progress', '-noappend', '-comp', 'gzip']);
  await using image = await openSquashfs(base, 0);
  const probe: Xattr = { name: 'trusted.isoforge-probe', value: new TextEncoder().encode('y') };
  const root: DirectoryNode = { ...image.root, xattrs: [probe] };
  await writeSquashfs(root, out, { info: image.info, mkfsTime: image.info.mkfsTime });
}
