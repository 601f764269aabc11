import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runInChroot } from '../tools/coreutils.ts';
import { runModuleLoadOrder } from '../tools/debian.ts';
import { NEEDED_MODULES } from './initrd.ts';

// Beside the boot's own modules: a NIC family (what the seed's driver scenario adds to or
// replaces), and the media core an out-of-tree video driver such as v4l2loopback loads on.
const KEPT_DRIVERS = ['e1000', 'e1000e', 'virtio_net', 'videodev'];

/** The kernel release a Debian kernel package installs (linux-image-RELEASE_VERSION_ARCH.deb). */
export function kernelRelease(deb: string): string {
  const release = /^linux-image-(.+?)_/.exec(basename(deb))?.[1];
  if (!release) throw new Error(`${deb} is not a linux-image-RELEASE package`);
  return release;
}

/**
 * A flavour's kernel package installed with dpkg into ROOT. In a kernel layer, as livecd-rootfs
 * makes one (jammy, hook 03-kernel-metapkg.chroot_early), DEFAULTLAYER names the layer itself in
 * /etc/initramfs-tools/conf.d/default-layer.conf, so any initrd made there stacks it. The sample
 * keeps only the modules its boot needs (and a few drivers), to stay small.
 */
export async function installKernel(options: {
  root: string;
  deb: string;
  defaultLayer?: string;
  signal?: AbortSignal;
}): Promise<void> {
  const { root, deb, signal } = options;
  const inside = `/tmp/${basename(deb)}`;
  await copyFile(deb, join(root, inside));
  // The sample makes each initrd itself (initrd.ts); Debian's postinst.d hook skips on INITRD=No.
  await runInChroot(root, ['dpkg', '-i', inside], { signal, env: { INITRD: 'No' } });
  await rm(join(root, inside));
  const release = kernelRelease(deb);
  await trimModules(root, release, signal);
  await runInChroot(root, ['depmod', release], { signal });
  if (options.defaultLayer) await writeDefaultLayerConf(root, options.defaultLayer);
}

/** LAYERFS_PATH=LAYER.squashfs where initramfs-tools copies it into every initrd made in ROOT. */
export async function writeDefaultLayerConf(root: string, layer: string): Promise<void> {
  const dir = join(root, 'etc/initramfs-tools/conf.d');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'default-layer.conf'), `LAYERFS_PATH=${layer}.squashfs\n`);
}

async function trimModules(root: string, release: string, signal?: AbortSignal): Promise<void> {
  const kept = new Set(await runModuleLoadOrder(root, release, [...NEEDED_MODULES, ...KEPT_DRIVERS], signal));
  const tree = join(root, 'lib/modules', release, 'kernel');
  for (const entry of await readdir(tree, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && /\.ko(\.\w+)?$/.test(entry.name) && !kept.has(path)) await rm(path);
  }
}
