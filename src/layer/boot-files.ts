import { copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediumLayout } from '../distro/layouts/index.ts';
import type { LayoutInfo } from '../inspect/layout.ts';

/** A kernel a build installed into the layer the medium boots, to be copied to casper/ (or live/). */
export interface LiveBootFiles {
  version: string;
  kernel: string;
  initrd: string;
  /** Where they go on the ISO: the kernel and initrd the boot menus name. */
  isoKernel: string;
  isoInitrd: string;
}

/** Whether LAYER is the one the medium's kernel boots: kernels installed below it never boot the medium. */
export function isLiveBootLayer(layer: string, layout: MediumLayout, medium: LayoutInfo): boolean {
  return layout.bootsLayer(
    layer,
    medium.layers.map((l) => l.name),
  );
}

/** Kernel versions whose /boot/vmlinuz-VERSION the build added or replaced in the unpacked layer. */
async function readNewKernelVersions(upper: string, changed: readonly string[]): Promise<string[]> {
  const names = await readdir(join(upper, 'boot')).catch(() => [] as string[]);
  const versions: string[] = [];
  for (const name of names) {
    const version = /^vmlinuz-(.+)$/.exec(name)?.[1];
    if (!version || !changed.includes(`/boot/${name}`)) continue;
    const initrd = await lstat(join(upper, 'boot', `initrd.img-${version}`)).catch(() => undefined);
    if (initrd?.isFile()) versions.push(version);
  }
  return versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Whether the merged root (still mounted) can make an initrd that boots this medium (its layout's scripts). */
export async function hasLiveBootScripts(root: string, layout: MediumLayout): Promise<boolean> {
  if (!layout.initrdBootScripts) return false;
  return (await lstat(join(root, layout.initrdBootScripts)).catch(() => undefined)) !== undefined;
}

/**
 * When the build put a new kernel into the layer the medium boots, copies its vmlinuz and initrd
 * out (before the upper dir is packed) so casper/vmlinuz and casper/initrd match the new modules.
 * Only an initrd that carries casper's (or live-boot's) scripts can boot the medium: otherwise
 * NOTICE says why nothing was copied (LIVEBOOTSCRIPTS: hasLiveBootScripts of the merged root).
 */
export async function saveLiveBootFiles(options: {
  layer: string;
  layout: MediumLayout;
  medium: LayoutInfo;
  upper: string;
  liveBootScripts: boolean;
  changed: readonly string[];
  outDir: string;
  notice: (line: string) => void;
}): Promise<LiveBootFiles | undefined> {
  const { layer, layout, medium, upper } = options;
  const versions = await readNewKernelVersions(upper, options.changed);
  const version = versions.at(-1);
  if (!version) return undefined;
  const [isoKernel, isoInitrd] = [medium.kernels[0], medium.initrds[0]];
  if (!isLiveBootLayer(layer, layout, medium) || !isoKernel || !isoInitrd) {
    options.notice(
      `kernel ${version} is installed in ${layer}; the medium itself still boots ${isoKernel ?? 'its own kernel'} (only a kernel in the layer it boots replaces it)`,
    );
    return undefined;
  }
  if (!options.liveBootScripts) {
    options.notice(`kernel ${version}: its initrd has no casper/live-boot scripts, ${isoInitrd} is kept`);
    return undefined;
  }
  await mkdir(options.outDir, { recursive: true });
  const kernel = join(options.outDir, `vmlinuz-${version}`);
  const initrd = join(options.outDir, `initrd.img-${version}`);
  await copyFile(join(upper, 'boot', `vmlinuz-${version}`), kernel);
  await copyFile(join(upper, 'boot', `initrd.img-${version}`), initrd);
  options.notice(`kernel ${version} of ${layer} replaces ${isoKernel} and ${isoInitrd}`);
  return { version, kernel, initrd, isoKernel, isoInitrd };
}
