import { appendFile, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { makeManifestDelta } from '../distro/casper-meta.ts';
import { parentLayerNames } from '../distro/layers.ts';
import { MountStack } from '../rootfs/mounts.ts';
import { runDuBytes, runInChroot } from '../tools/coreutils.ts';
import { runDebootstrap } from '../tools/debootstrap.ts';
import { ensureDebootstrapTarball } from './cache.ts';
import { runMksquashfs } from '../tools/squashfs.ts';
import { installKernel } from './kernel-layer.ts';
import { kernelDebKey, type SampleFlavour } from './kernels.ts';
import { installLiveBootFiles, type LiveBootSpec } from './live-boot.ts';

/** One Ubuntu-style layer of the sample: what it adds on top of the layer below. */
export interface SampleLayerSpec {
  name: string;
  debs: readonly string[];
  /** Files the layer deletes, so it carries overlayfs whiteouts like a real Ubuntu layer. */
  remove: readonly string[];
  /** Whether the layer writes its own /etc/isoforge-release (the boot marker shows the topmost). */
  release: boolean;
  /** casper's initramfs-tools files, in the installer layer (see live-boot.ts). */
  liveBoot?: LiveBootSpec;
  /**
   * The flavour's kernel package installed here (kernel-layer.ts); with defaultLayer, this layer is
   * also the one the initrds made here name (conf.d/default-layer.conf).
   */
  kernel?: { flavour: SampleFlavour; defaultLayer: boolean };
}

export interface BuiltLayer {
  name: string;
  squashfs: string;
  /** Ubuntu's .manifest: the full list for the base layer, the delta for an upper one. */
  manifest: string;
  /** `dpkg-query -W` of the merged view, which the next layer's delta is computed against. */
  fullManifest: string;
  sizeBytes: number;
}

export const SAMPLE_COMPRESSION = { algorithm: 'xz', blockSize: 131072 } as const;
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
const DEBIAN_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';

/** The base layer: a real debootstrap minbase, so dpkg and apt work in a chroot. */
export async function makeBaseLayer(options: {
  workDir: string;
  spec: SampleLayerSpec;
  debs: ReadonlyMap<string, string>;
  outDir: string;
  signal?: AbortSignal;
}): Promise<BuiltLayer> {
  const { workDir, spec, outDir, signal } = options;
  const root = join(workDir, 'base-root');
  const suite = 'bookworm';
  const tarball = await ensureDebootstrapTarball({ suite, mirror: DEBIAN_MIRROR, workDir, signal });
  await runDebootstrap({ suite, target: root, mirror: DEBIAN_MIRROR, tarball, signal });
  await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
  await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  await writeFile(join(root, 'etc/isoforge-release'), `${spec.name}\n`);
  // As Ubuntu's lists jammy-security: the newer kernel flavour's headers come from there.
  await appendFile(
    join(root, 'etc/apt/sources.list'),
    `deb ${DEBIAN_SECURITY_MIRROR} ${suite}-security main\n`,
  );
  await installPackages(root, spec, options.debs, signal);
  const manifest = await readManifest(root, signal);
  const sizeBytes = await runDuBytes(root, signal);
  const squashfs = join(outDir, `${spec.name}.squashfs`);
  await runMksquashfs(root, squashfs, SAMPLE_COMPRESSION, { signal, processors: 2 });
  return { name: spec.name, squashfs, manifest, fullManifest: manifest, sizeBytes };
}

/**
 * An upper layer built the way Ubuntu builds them: a fresh overlayfs upper dir over the layers
 * below, changes made in a chroot, and the upper dir (whiteouts included) packed as the layer.
 */
export async function makeUpperLayer(options: {
  workDir: string;
  spec: SampleLayerSpec;
  lower: readonly BuiltLayer[];
  debs: ReadonlyMap<string, string>;
  outDir: string;
  signal?: AbortSignal;
}): Promise<BuiltLayer> {
  const { workDir, spec, lower, signal } = options;
  const dir = join(workDir, 'layers', spec.name);
  const [upper, overlayWork, merged] = ['upper', 'work', 'merged'].map((part) => join(dir, part)) as [
    string,
    string,
    string,
  ];
  await Promise.all([upper, overlayWork, merged].map((path) => mkdir(path, { recursive: true })));
  let fullManifest: string;
  {
    await using mounts = await MountStack.open(workDir);
    const lowerDirs = await mountLowerLayers(mounts, workDir, lower);
    await mounts.mount({
      source: 'overlay',
      target: merged,
      fstype: 'overlay',
      options: [`lowerdir=${lowerDirs.join(':')}`, `upperdir=${upper}`, `workdir=${overlayWork}`],
    });
    await changeLayer(merged, spec, options.debs, signal);
    fullManifest = await readManifest(merged, signal);
  }
  const sizeBytes = await runDuBytes(upper, signal);
  const squashfs = join(options.outDir, `${spec.name}.squashfs`);
  await runMksquashfs(upper, squashfs, SAMPLE_COMPRESSION, { signal, processors: 2 });
  const manifest = makeManifestDelta(lower.at(-1)?.fullManifest ?? '', fullManifest);
  return { name: spec.name, squashfs, manifest, fullManifest, sizeBytes };
}

/** Loop-mounts LOWER read-only and returns them top-first, the order overlayfs wants. */
async function mountLowerLayers(mounts: MountStack, workDir: string, lower: readonly BuiltLayer[]) {
  const dirs: string[] = [];
  for (const layer of lower) {
    const target = join(workDir, 'lower', basename(layer.squashfs));
    await mkdir(target, { recursive: true });
    await mounts.mount({
      source: layer.squashfs,
      target,
      fstype: 'squashfs',
      options: ['loop'],
      readOnly: true,
    });
    dirs.unshift(target);
  }
  return dirs;
}

async function changeLayer(
  root: string,
  spec: SampleLayerSpec,
  debs: ReadonlyMap<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  await installPackages(root, spec, debs, signal);
  for (const path of spec.remove) await rm(join(root, path), { force: true });
  if (spec.release) await writeFile(join(root, 'etc/isoforge-release'), `${spec.name}\n`);
  if (spec.liveBoot) await installLiveBootFiles(root, spec.liveBoot);
}

/** The spec's .debs, then its kernel, into ROOT. */
async function installPackages(
  root: string,
  spec: SampleLayerSpec,
  debs: ReadonlyMap<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  // One dpkg run: it orders the packages by their dependencies, as apt would.
  const inside = [];
  for (const name of spec.debs) {
    const deb = debs.get(name);
    if (!deb) throw new Error(`no .deb downloaded for ${name}`);
    inside.push(`/tmp/${basename(deb)}`);
    await copyFile(deb, join(root, inside.at(-1) ?? ''));
  }
  if (inside.length) await runInChroot(root, ['dpkg', '-i', ...inside], { signal });
  for (const path of inside) await rm(join(root, path));
  if (spec.kernel) {
    const deb = debs.get(kernelDebKey(spec.kernel.flavour));
    if (!deb) throw new Error(`no kernel .deb for the ${spec.kernel.flavour} flavour`);
    const defaultLayer = spec.kernel.defaultLayer ? spec.name : undefined;
    await installKernel({ root, deb, defaultLayer, signal });
  }
}

/** `dpkg-query -W` of a root file system: Ubuntu's full manifest format, "name<TAB>version". */
export async function readManifest(root: string, signal?: AbortSignal): Promise<string> {
  return runInChroot(root, ['dpkg-query', '-W'], { signal });
}

/** Builds the sample's layers bottom first into CASPER, with their .manifest and .size sidecars. */
export async function makeLayers(options: {
  workDir: string;
  specs: readonly SampleLayerSpec[];
  casper: string;
  debs: ReadonlyMap<string, string>;
  stage: (line: string) => void;
  signal?: AbortSignal;
}): Promise<BuiltLayer[]> {
  const { workDir, casper, debs, stage, signal } = options;
  const [baseSpec, ...upperSpecs] = options.specs;
  if (!baseSpec) throw new Error('the sample has no layers');
  stage(`debootstrap bookworm minbase -> ${baseSpec.name}.squashfs`);
  const layers = [await makeBaseLayer({ workDir, spec: baseSpec, debs, outDir: casper, signal })];
  for (const spec of upperSpecs) {
    stage(`overlay delta -> ${spec.name}.squashfs`);
    // The layers this one stacks on (its chain), not every layer made before it: the HWE kernel
    // layer is a sibling of the generic one.
    const lower = layers.filter((layer) => parentLayerNames(spec.name).includes(layer.name));
    layers.push(await makeUpperLayer({ workDir, spec, lower, debs, outDir: casper, signal }));
  }
  for (const layer of layers) {
    await writeFile(join(casper, `${layer.name}.manifest`), layer.manifest);
    await writeFile(join(casper, `${layer.name}.size`), `${layer.sizeBytes}\n`);
  }
  return layers;
}
