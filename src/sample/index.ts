import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { prepareOutput } from '../safety/atomic.ts';
import { removeTree } from '../safety/remove.ts';
import { runXorrisoMkisofs } from '../tools/xorriso.ts';
import { makeSampleBootFiles, SIGNED_BOOT_PACKAGES, type SampleBootFiles } from './boot.ts';
import { cacheDir, ensureDebs, exists, markUsed, pruneUnusedSamples } from './cache.ts';
import { makeSampleKernel } from './initrd.ts';
import { kernelDebKey, resolveSampleKernels, SAMPLE_FLAVOURS, type SampleFlavour } from './kernels.ts';
import {
  defaultLayerOf,
  SAMPLE_RELEASES,
  type SampleRelease,
  type SampleReleaseId,
  sampleLayers,
} from './releases.ts';
import { makeSignedLayersIso } from './sign.ts';
import { ensureCachedLayers, layersDirName } from './layer-cache.ts';
import { type BuiltLayer, makeLayers, type SampleLayerSpec } from './layers.ts';
import {
  makeGrubConfig,
  makeInstallSources,
  makeLoopbackConfig,
  makeMd5sums,
  MENU_ENTRIES,
  writeArchive,
} from './tree.ts';
import { makeCasperUuid, makeLayersKey, makeSampleKey } from './source-key.ts';

/** The seed's five layers (Ubuntu 22.04.5 live-server, section 2.2.2 of the guide). */
export const SAMPLE_LAYERS: readonly SampleLayerSpec[] = sampleLayers(SAMPLE_RELEASES['22.04']);
const ELTORITO = '/boot/grub/i386-pc/eltorito.img';

export interface SampleOptions {
  out: string;
  /** The Ubuntu release whose shape the sample takes (releases.ts); default 22.04. */
  release?: SampleReleaseId;
  secureBoot?: boolean;
  /** Add casper/LAYER.squashfs.gpg signed by a throw-away key, as Ubuntu's release ISOs carry. */
  signLayers?: boolean;
  force?: boolean;
  signal?: AbortSignal;
  onStage?: (line: string) => void;
}

/** Builds (or copies from the cache) a small ISO with the exact structure of Ubuntu 22.04.5 live-server. */
export async function makeSampleIso(options: SampleOptions): Promise<{ cached: boolean; signedBy?: string }> {
  // Refuse an existing output before a build that can take a minute, not after it.
  await mkdir(dirname(options.out), { recursive: true });
  await using output = await prepareOutput(options.out, { force: options.force ?? false });
  const { path, cached } = await ensureCachedSampleIso(options);
  let signedBy: string | undefined;
  if (options.signLayers) {
    options.onStage?.('signing every layer with a throw-away key (casper/*.squashfs.gpg)');
    signedBy = await makeSignedLayersIso({
      input: path,
      output: output.tempPath,
      layers: sampleLayers(SAMPLE_RELEASES[options.release ?? '22.04']).map(
        (layer) => `/casper/${layer.name}.squashfs`,
      ),
      workDir: tmpdir(),
      signal: options.signal,
    });
  } else await copyFile(path, output.tempPath);
  await output.commit();
  return { cached, signedBy };
}

/**
 * The finished sample in the cache, built on first use. Its name carries a hash of the code, assets
 * and .debs that make it (source-key.ts), so a cached sample always matches the current code.
 * Callers must treat the file as read-only: tests share it instead of copying 70 MB each.
 */
export async function ensureCachedSampleIso(
  options: Omit<SampleOptions, 'out' | 'force'>,
): Promise<{ path: string; cached: boolean }> {
  const secureBoot = options.secureBoot ?? false;
  const release = SAMPLE_RELEASES[options.release ?? '22.04'];
  const specs = sampleLayers(release);
  const kernels = await resolveSampleKernels(options.signal);
  const packages = [
    ...new Set(specs.flatMap((layer) => layer.debs)),
    ...(secureBoot ? SIGNED_BOOT_PACKAGES : []),
  ];
  options.onStage?.('checking the Debian packages (downloaded on the first run only)');
  const debs = await ensureDebs([...packages, ...Object.values(kernels)], options.signal);
  for (const flavour of SAMPLE_FLAVOURS) debs.set(kernelDebKey(flavour), debs.get(kernels[flavour]) ?? '');
  const layersKey = await makeLayersKey({ layers: specs, kernels });
  const sampleKey = await makeSampleKey(layersKey, debs, release);
  const name = `sample-${sampleKey}${secureBoot ? '-secureboot' : ''}.iso`;
  const path = join(cacheDir(), name);
  if (await exists(path)) {
    await markUsed(path);
    return { path, cached: true };
  }
  const casperUuids = Object.fromEntries(
    release.flavours.map((flavour) => [flavour, makeCasperUuid(`${name}:${flavour}`)]),
  ) as Record<SampleFlavour, string>;
  await buildIntoCache(path, { ...options, secureBoot, debs, layersKey, casperUuids, release, specs });
  await pruneUnusedSamples([name, layersDirName(layersKey).slice(cacheDir().length + 1)]);
  return { path, cached: false };
}

interface BuildInputs extends Omit<SampleOptions, 'out' | 'force' | 'release'> {
  secureBoot: boolean;
  debs: ReadonlyMap<string, string>;
  layersKey: string;
  /** Each flavour's initrd has its own UUID, as each kernel layer's update-initramfs made one. */
  casperUuids: Record<SampleFlavour, string>;
  release: SampleRelease;
  specs: readonly SampleLayerSpec[];
}

async function buildIntoCache(cached: string, inputs: BuildInputs): Promise<void> {
  const workDir = join(cacheDir(), `work-${process.pid}`);
  await mkdir(workDir, { recursive: true });
  try {
    await using output = await prepareOutput(cached, { force: true });
    await buildSample(workDir, output.tempPath, inputs);
    await output.commit();
  } finally {
    await removeTree(workDir, { within: cacheDir() });
  }
}

async function buildSample(workDir: string, isoPath: string, inputs: BuildInputs): Promise<void> {
  const { secureBoot, debs, signal } = inputs;
  const stage = inputs.onStage ?? (() => undefined);
  const tree = join(workDir, 'tree');
  const casper = join(tree, 'casper');
  await mkdir(casper, { recursive: true });
  const layers = await ensureCachedLayers(inputs.layersKey, casper, () =>
    makeLayers({ workDir, specs: inputs.specs, casper, debs, stage, signal }),
  );
  for (const flavour of inputs.release.flavours) {
    stage(`making the ${flavour} kernel's initrd`);
    await mkdir(join(workDir, flavour), { recursive: true });
    const kernel = await makeSampleKernel({
      kernelDeb: debs.get(kernelDebKey(flavour)) ?? '',
      workDir: join(workDir, flavour),
      defaultLayer: defaultLayerOf(inputs.release, flavour),
      casperUuid: inputs.casperUuids[flavour],
      signal,
    });
    await copyFile(kernel.vmlinuz, join(tree, MENU_ENTRIES[flavour].kernel));
    await writeFile(join(tree, MENU_ENTRIES[flavour].initrd), kernel.initrd);
  }
  stage('making GRUB boot images');
  const signedDebs = new Map(SIGNED_BOOT_PACKAGES.map((name) => [name, debs.get(name) ?? '']));
  const boot = await makeSampleBootFiles({
    workDir,
    secureBoot,
    signedDebs: secureBoot ? signedDebs : new Map(),
    signal,
  });
  await writeTreeFiles(
    tree,
    { layers, boot, casperUuids: inputs.casperUuids, release: inputs.release },
    debs.get('netbase') ?? '',
    signal,
  );
  stage('writing the ISO with xorriso');
  await runXorrisoMkisofs(makeSampleXorrisoArgs(tree, isoPath, boot, inputs.release.volumeId), { signal });
}

async function writeTreeFiles(
  tree: string,
  parts: {
    layers: readonly BuiltLayer[];
    boot: SampleBootFiles;
    casperUuids: Record<SampleFlavour, string>;
    release: SampleRelease;
  },
  archiveDeb: string,
  signal?: AbortSignal,
): Promise<void> {
  const put = async (path: string, content: string | Uint8Array) => {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), content);
  };
  const { layers, boot, release } = parts;
  await put('casper/install-sources.yaml', makeInstallSources(layers));
  await put('.disk/info', `${release.diskInfo}\n`);
  // Ubuntu 22.04 names the file after the kernel flavour; casper reads every .disk/casper-uuid*.
  for (const flavour of release.flavours) {
    await put(`.disk/casper-uuid-${flavour}`, `${parts.casperUuids[flavour]}\n`);
  }
  await put('boot/grub/grub.cfg', makeGrubConfig(release.flavours));
  await put('boot/grub/loopback.cfg', makeLoopbackConfig(release.flavours));
  await mkdir(join(tree, 'boot/grub/i386-pc'), { recursive: true });
  await copyFile(boot.eltorito, join(tree, ELTORITO));
  for (const file of boot.efiFiles) {
    await mkdir(dirname(join(tree, file.isoPath)), { recursive: true });
    await copyFile(file.localPath, join(tree, file.isoPath));
  }
  await writeArchive(tree, archiveDeb, release.codename, signal);
  await put('md5sum.txt', await makeMd5sums(tree, [`.${ELTORITO}`, './boot.catalog']));
}

/** The xorriso -as mkisofs arguments of Ubuntu 22.04.5's boot setup (the seed guide's report). */
export function makeSampleXorrisoArgs(
  tree: string,
  isoPath: string,
  boot: SampleBootFiles,
  volumeId: string,
): string[] {
  return [
    ...['-r', '-V', volumeId, '-o', isoPath],
    ...['--grub2-mbr', boot.mbr, '--protective-msdos-label', '-partition_cyl_align', 'off'],
    ...['-partition_offset', '16', '--mbr-force-bootable'],
    ...['-append_partition', '2', '28732ac11ff8d211ba4b00a0c93ec93b', boot.efiImage, '-appended_part_as_gpt'],
    ...['-iso_mbr_part_type', 'a2a0d0ebe5b9334487c068b6b72699c7', '-c', '/boot.catalog'],
    ...['-b', ELTORITO, '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', '--grub2-boot-info'],
    ...['-eltorito-alt-boot', '-e', '--interval:appended_partition_2:all::', '-no-emul-boot'],
    ...['-J', '-joliet-long', tree],
  ];
}
