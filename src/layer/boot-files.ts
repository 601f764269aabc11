import { copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediumLayout } from '../distro/layouts/index.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import type { LayerPlan } from './plan.ts';

/** A kernel a build installed into the layer the medium boots, to be copied to casper/ (or live/). */
export interface LiveBootFiles {
  version: string;
  kernel: string;
  initrd: string;
  /** Where they go on the ISO: the kernel and initrd the boot menus name. */
  isoKernel: string;
  isoInitrd: string;
  /** The casper UUID the replaced initrd expected: the medium's files holding it take the new one. */
  replacedUuid: string | null;
}

/**
 * The kernel and initrd of the menu entries whose chain ends at LAYER: what a kernel installed
 * there replaces. Without chains (Debian live, or no menu names a kernel) the layer the layout
 * says the medium boots gets the medium's first pair.
 */
export function bootFilesOf(
  layer: string,
  original: Pick<IsoReport, 'bootChains' | 'kernels' | 'initrds' | 'layers'>,
  layout: MediumLayout,
): LayerPlan['boots'] {
  const chains = original.bootChains ?? [];
  if (!chains.length) {
    const [kernel, initrd] = [original.kernels[0], original.initrds[0]];
    const boots = layout.bootsLayer(
      layer,
      original.layers.map((l) => l.name),
    );
    return boots && kernel && initrd ? [{ kernel, initrd, uuid: null }] : [];
  }
  const boots: LayerPlan['boots'] = [];
  for (const chain of chains) {
    if (chain.chain.at(-1) !== layer || !chain.initrd) continue;
    if (boots.some((b) => b.kernel === chain.kernel && b.initrd === chain.initrd)) continue;
    boots.push({ kernel: chain.kernel, initrd: chain.initrd, uuid: chain.uuid });
  }
  return boots;
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
  /** The kernel and initrd pairs the medium boots this layer with (LayerPlan.boots). */
  boots: LayerPlan['boots'];
  upper: string;
  liveBootScripts: boolean;
  changed: readonly string[];
  outDir: string;
  notice: (line: string) => void;
}): Promise<LiveBootFiles | undefined> {
  const { layer, upper } = options;
  const versions = await readNewKernelVersions(upper, options.changed);
  const version = versions.at(-1);
  if (!version) return undefined;
  const [boot, ...others] = options.boots;
  if (!boot) {
    options.notice(
      `kernel ${version} is installed in ${layer}; the medium itself still boots its own kernels (only a kernel in the top layer of a chain a menu entry boots replaces that entry's)`,
    );
    return undefined;
  }
  for (const other of others) {
    options.notice(`kernel ${version}: ${other.kernel} and ${other.initrd} also boot ${layer} and are kept`);
  }
  const [isoKernel, isoInitrd] = [boot.kernel, boot.initrd];
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
  return { version, kernel, initrd, isoKernel, isoInitrd, replacedUuid: boot.uuid };
}
