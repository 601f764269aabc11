import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { release as hostRelease, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { makeBootCopyWithKernelArgs } from '../support/grub-args.ts';
import { discoverKernelVersion } from '../support/kernel.ts';
import { listLayer, readModuleVermagic } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';

// The kernel step for real: Debian's archive is reachable, so the sample's install-source layer
// (Debian bookworm minbase) gets a concrete kernel ABI, discovered here so the test does not rot.
// The seed's driver scenario on the install source: the pinned kernel, then an out-of-tree driver
// from the archive (v4l2loopback-dkms) that DKMS builds for that kernel, never the build machine's,
// with the compiler and headers gone afterwards and the module kept as a package.
const INSTALL_SOURCE = 'ubuntu-server-minimal.ubuntu-server';
const MODULE = 'v4l2loopback';
const TIMEOUT = 1_500_000;
let dir: string;
let sample: string;
let version: string;

/** Runs unsquashfs on LAYER's squashfs in place inside ISO (no copy of the layer). */
async function runUnsquashfsInIso(iso: string, layer: string, args: readonly string[]): Promise<string> {
  const info = (await inspectIso(iso)).layers.find((l) => l.name === layer);
  if (!info) throw new Error(`${iso} has no layer ${layer}`);
  const offset = String(info.lba * 2048);
  return (await runCommand(['unsquashfs', '-o', offset, ...args.slice(0, -1), iso, ...args.slice(-1)]))
    .stdout;
}

const catFromLayer = (iso: string, layer: string, file: string) =>
  runUnsquashfsInIso(iso, layer, ['-cat', file]);

/** The Status field of PACKAGE in a dpkg status file, or null. */
function dpkgStatus(status: string, name: string): string | null {
  const stanza = status.split('\n\n').find((s) => s.startsWith(`Package: ${name}\n`));
  return stanza ? (/^Status: (.+)$/m.exec(stanza)?.[1] ?? null) : null;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-kernel-'));
  sample = join(dir, 'sample.iso');
  await writeFile(sample, await readFile(await ensureSampleIso()));
  version = await discoverKernelVersion(sample, 'ubuntu-server-minimal');
}, TIMEOUT);

describe('the kernel step on the sample, with the real Debian archive', () => {
  let output: string;

  it(
    'installs linux-image-VERSION into the install source, holds it, builds the DKMS driver for it alone, and makes its initrd once',
    async () => {
      expect(version).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
      // zstd: the layer grows by about 400 MB of modules, and xz would spend minutes repacking them.
      await writeFile(
        join(dir, 'kernel.yaml'),
        `input: sample.iso
output: out/kernel.iso
layers:
  ${INSTALL_SOURCE}:
    compression: { algorithm: zstd }
    steps:
      - kernel: { version: ${version}, hold: true, headers: false }
      - driver: { packages: [${MODULE}-dkms], initramfs: true }
      - file: { dest: /etc/modules-load.d/isoforge-driver.conf, content: "${MODULE}\\n" }
      - initramfs: true
`,
      );
      const run = await runIsoforge(['build', join(dir, 'kernel.yaml'), '--workdir', join(dir, 'work')]);
      expect(run.exitCode, run.stderr).toBe(0);
      output = join(dir, 'out/kernel.iso');
      // The kernel package, the driver and the initramfs step all ask for it: it is made once.
      const log = await readFile(join(dir, 'work/build.log'), 'utf8');
      expect(
        log.match(new RegExp(`update-initramfs: Generating /boot/initrd\\.img-${version}`, 'g')),
      ).toHaveLength(1);

      const status = await catFromLayer(output, INSTALL_SOURCE, 'var/lib/dpkg/status');
      expect(dpkgStatus(status, `linux-image-${version}`)).toBe('hold ok installed');
      // The sample's layers have no meta package installed: nothing to hold, and none installed.
      expect(dpkgStatus(status, 'linux-image-amd64') ?? 'absent').toMatch(/^(absent|hold ok installed)$/);
      expect(dpkgStatus(status, 'initramfs-tools')).toBe('install ok installed');
      const boot = await runUnsquashfsInIso(output, INSTALL_SOURCE, ['-lln', 'boot']);
      expect(boot).toMatch(
        new RegExp(`^-\\S+ 0/0\\s+\\d+ .* squashfs-root/boot/initrd\\.img-${version}$`, 'm'),
      );
      expect(boot).toMatch(new RegExp(` squashfs-root/boot/vmlinuz-${version}$`, 'm'));

      expect(
        await readModuleVermagic(output, { name: INSTALL_SOURCE, release: version, module: MODULE }, dir),
      ).toMatch(new RegExp(`^${version.replaceAll('.', '\\.')} `));
      expect(dpkgStatus(status, `isoforge-${MODULE}-modules-${version}`)).toBe('install ok installed');
      for (const gone of [`${MODULE}-dkms`, 'dkms', 'gcc-12', `linux-headers-${version}`])
        expect(dpkgStatus(status, gone), gone).toBeNull();
      const paths = [...(await listLayer(output, INSTALL_SOURCE)).keys()];
      expect(paths.filter((path) => /^\/(usr\/src\/linux-headers-|var\/lib\/dkms\/)/.test(path))).toEqual([]);
      expect(paths.filter((path) => path.includes(`/lib/modules/${hostRelease()}`))).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'boots the install source chain (BIOS, CD) and its dpkg database lists the kernel',
    async () => {
      // The installer layer above carries its own dpkg status: boot the chain an installed system
      // gets, which casper (and the sample's initrd) take from layerfs-path=.
      const copy = join(dir, 'kernel-install-source.iso');
      await makeBootCopyWithKernelArgs(output, copy, [`layerfs-path=${INSTALL_SOURCE}.squashfs`], dir);
      const result = await runBootTest({
        iso: copy,
        firmware: 'bios',
        media: 'cdrom',
        logDir: join(dir, 'boot'),
        expect: /ISOFORGE-SAMPLE-BOOT ok .* modules=\S+/,
      });
      expect(result.matched, result.tail.join('\n')).toMatch(
        new RegExp(`release=${INSTALL_SOURCE.replace('.', '\\.')} cmdline=.*layerfs-path=${INSTALL_SOURCE}`),
      );
      expect(result.matched?.split(' kernels=')[1]?.split(' ')[0]?.split(',')).toContain(
        `linux-image-${version}`,
      );
      // The booted kernel is the medium's generic one, the release the install source pins: its
      // modprobe loads the driver DKMS built into the install source.
      expect(result.matched).toContain(` modprobe=${MODULE}:ok `);
    },
    TIMEOUT,
  );

  it(
    'the untouched sample boots with kernels=none (the marker tells the two apart)',
    async () => {
      const copy = join(dir, 'sample-install-source.iso');
      await makeBootCopyWithKernelArgs(sample, copy, [`layerfs-path=${INSTALL_SOURCE}.squashfs`], dir);
      const result = await runBootTest({
        iso: copy,
        firmware: 'bios',
        media: 'cdrom',
        logDir: join(dir, 'boot-sample'),
        expect: /ISOFORGE-SAMPLE-BOOT ok .* kernels=\S+/,
      });
      expect(result.matched, result.tail.join('\n')).toMatch(/ kernels=none seed=/);
    },
    TIMEOUT,
  );
});
