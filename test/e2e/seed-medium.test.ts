import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { release as hostRelease, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { kernelRelease } from '../../src/sample/kernel-layer.ts';
import { resolveSampleKernels, type SampleFlavour } from '../../src/sample/kernels.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { makeBootCopyWithKernelArgs } from '../support/grub-args.ts';
import { discoverKernelVersion } from '../support/kernel.ts';
import { layerOffset, listLayer, readFromLayer, readModuleVermagic } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';

// The seed's scenario on the seed's medium, from one recipe that says what it means, against
// Debian's archive. An out-of-tree driver (v4l2loopback-dkms) goes into `installer` (both kernel
// layers, each the top of the chain one menu entry boots) and into `system` (the default install
// source's top layer), whose kernel the recipe pins and holds: a concrete ABI of the layers' apt
// sources, discovered here so the test does not rot. DKMS builds the driver for the kernels of each
// chain, never the build machine's; the compiler and headers are gone afterwards. The install
// source's initrd is made once though three steps ask for it. Each entry, in BIOS and UEFI, boots
// its own kernel over its own chain, whose modprobe loads the driver; so does the install source.
const INSTALLER = 'ubuntu-server-minimal.ubuntu-server.installer';
const SYSTEM = 'ubuntu-server-minimal.ubuntu-server';
const ENTRIES: { flavour: SampleFlavour; title: string }[] = [
  { flavour: 'generic', title: 'Try or Install Ubuntu Server' },
  { flavour: 'generic-hwe', title: 'Ubuntu Server with the HWE kernel' },
];
const MODULE = 'v4l2loopback';
const MARKER = /ISOFORGE-SAMPLE-BOOT ok .* modules=\S+/;
const TIMEOUT = 1_800_000;
let dir: string;
let sample: string;
let output: string;
let pinned: string;
let releases: Record<SampleFlavour, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-seed-medium-'));
  sample = await ensureSampleIso();
  pinned = await discoverKernelVersion(sample, 'ubuntu-server-minimal');
  const kernels = await resolveSampleKernels();
  releases = {
    generic: kernelRelease(`${kernels.generic}_`),
    'generic-hwe': kernelRelease(`${kernels['generic-hwe']}_`),
  };
}, TIMEOUT);

/** The Status field of PACKAGE in the layer's dpkg status (dpkg's own file, read with unsquashfs), or null. */
async function dpkgStatus(layer: string, pkg: string): Promise<string | null> {
  const status = await readFromLayer(output, layer, '/var/lib/dpkg/status');
  const stanza = status.split('\n\n').find((s) => s.startsWith(`Package: ${pkg}\n`));
  return stanza ? (/^Status: (.+)$/m.exec(stanza)?.[1] ?? null) : null;
}

/** The driver for RELEASE is in LAYER, packaged, and nothing of its build is left. */
async function expectDriverOnly(layer: string, release: string): Promise<void> {
  const vermagic = await readModuleVermagic(output, { name: layer, release, module: MODULE }, dir);
  expect(vermagic).toMatch(new RegExp(`^${release.replaceAll('.', '\\.')} `));
  expect(await dpkgStatus(layer, `isoforge-${MODULE}-modules-${release}`)).toBe('install ok installed');
  for (const gone of [`${MODULE}-dkms`, 'dkms', 'gcc-12', `linux-headers-${release}`])
    expect(await dpkgStatus(layer, gone), gone).toBeNull();
  const paths = [...(await listLayer(output, layer)).keys()];
  expect(paths.filter((path) => /^\/(usr\/src\/linux-headers-|var\/lib\/dkms\/)/.test(path))).toEqual([]);
  expect(paths.filter((path) => path.includes(`/lib/modules/${hostRelease()}`))).toEqual([]);
}

/** Boots ISO's install source chain (a copy with layerfs-path= on its menus), BIOS from CD. */
async function bootInstallSource(iso: string, name: string) {
  const copy = join(dir, `${name}.iso`);
  await makeBootCopyWithKernelArgs(iso, copy, [`layerfs-path=${SYSTEM}.squashfs`], dir);
  return runBootTest({
    iso: copy,
    firmware: 'bios',
    media: 'cdrom',
    logDir: join(dir, `boot-${name}`),
    expect: MARKER,
  });
}

describe('the seed scenario: a DKMS driver for the installer and the pinned install source', () => {
  it(
    'builds the driver for the kernels of each chain, keeps its modules and dpkg record, leaves no build tools, and makes the pinned initrd once',
    async () => {
      expect(pinned).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
      const recipe = join(dir, 'seed.yaml');
      const modulesLoad = `{ dest: /etc/modules-load.d/isoforge-driver.conf, content: "${MODULE}\\n" }`;
      // zstd for the install source: it grows by about 400 MB of modules, which xz would take minutes to pack.
      await writeFile(
        recipe,
        `input: ${sample}
output: out/seed.iso
layers:
  installer:
    steps:
      - driver: { packages: [${MODULE}-dkms] }
      - file: ${modulesLoad}
  system:
    compression: { algorithm: zstd }
    steps:
      - kernel: { version: ${pinned}, hold: true, headers: false }
      - driver: { packages: [${MODULE}-dkms], initramfs: true }
      - file: ${modulesLoad}
      - initramfs: true
`,
      );
      const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work')]);
      expect(run.exitCode, run.stderr).toBe(0);
      output = join(dir, 'out/seed.iso');
      expect(run.stdout).toContain(`${SYSTEM} (system)`);
      for (const { flavour } of ENTRIES) {
        expect(run.stdout).toContain(`${INSTALLER}.${flavour} (installer)`);
        await expectDriverOnly(`${INSTALLER}.${flavour}`, releases[flavour]);
      }
      await expectDriverOnly(SYSTEM, pinned);
      expect(await dpkgStatus(SYSTEM, `linux-image-${pinned}`)).toBe('hold ok installed');
      expect(await dpkgStatus(SYSTEM, 'initramfs-tools')).toBe('install ok installed');
      // The kernel package, the driver and the initramfs step all ask for it: it is made once.
      const log = await readFile(join(dir, 'work/build.log'), 'utf8');
      const made = log.match(new RegExp(`update-initramfs: Generating /boot/initrd\\.img-${pinned}`, 'g'));
      expect(made).toHaveLength(1);
      const boot = await runCommand([
        'unsquashfs',
        '-o',
        await layerOffset(output, SYSTEM),
        '-lln',
        output,
        'boot',
      ]);
      expect(boot.stdout).toMatch(new RegExp(` squashfs-root/boot/initrd\\.img-${pinned}$`, 'm'));
    },
    TIMEOUT,
  );

  // The boots after the build, two at once (vitest maxConcurrency): one QEMU per core.
  for (const { flavour, title } of ENTRIES)
    for (const firmware of ['bios', 'uefi'] as const)
      it.concurrent(
        `"${title}" (${firmware}): its kernel, its chain, and the driver loaded by that kernel's modprobe`,
        async () => {
          const result = await runBootTest({
            iso: output,
            firmware,
            media: 'cdrom',
            entry: title,
            logDir: join(dir, `boot-${flavour}-${firmware}`),
            timeoutSeconds: 600,
            expect: MARKER,
          });
          const marker = result.matched ?? '';
          expect(marker, result.tail.join('\n')).toContain(` uname=${releases[flavour]} `);
          expect(marker).toContain(
            ` chain=ubuntu-server-minimal,${SYSTEM},${INSTALLER},${INSTALLER}.${flavour} `,
          );
          expect(marker).toContain(` modprobe=${MODULE}:ok `);
          expect(marker).toMatch(new RegExp(` modules=(\\S+,)?${MODULE}(,|$)`));
        },
        TIMEOUT,
      );

  it.concurrent(
    "boots the install source's chain (BIOS, CD): dpkg lists the pinned kernel, and the driver loads",
    async () => {
      // The installer layers above carry their own dpkg status: boot the chain an installed system
      // gets, which casper (and the sample's initrd) take from layerfs-path=. The medium's generic
      // kernel is the release the install source pins.
      const result = await bootInstallSource(output, 'install-source');
      const marker = result.matched ?? '';
      expect(marker, result.tail.join('\n')).toContain(` chain=ubuntu-server-minimal,${SYSTEM} `);
      expect(marker.split(' kernels=')[1]?.split(' ')[0]?.split(',')).toContain(`linux-image-${pinned}`);
      expect(marker).toContain(` uname=${pinned} `);
      expect(marker).toContain(` modprobe=${MODULE}:ok `);
    },
    TIMEOUT,
  );

  it.concurrent(
    'the untouched sample boots its install source with kernels=none (the marker tells the two apart)',
    async () => {
      const result = await bootInstallSource(sample, 'sample-install-source');
      expect(result.matched, result.tail.join('\n')).toMatch(/ kernels=none seed=/);
    },
    TIMEOUT,
  );
});
