import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IsoDiff } from '../../src/diff/diff.ts';
import { runXorriso } from '../../src/tools/xorriso.ts';
import { runIsoforge } from '../support/cli.ts';
import { makeTestDeb } from '../support/deb.ts';
import { ensureSampleIso } from '../support/sample.ts';

const IPXE = '/usr/lib/ipxe/ipxe.iso';
const GRUB_RESCUE = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const TIMEOUT = 300_000;
const TOP = 'ubuntu-server-minimal.ubuntu-server';
let dir: string;

async function diffJson(a: string, b: string): Promise<{ exitCode: number; diff: IsoDiff }> {
  const run = await runIsoforge(['diff', a, b, '--json']);
  expect(run.stderr).toBe('');
  return { exitCode: run.exitCode, diff: JSON.parse(run.stdout) as IsoDiff };
}

/** Builds RECIPE (its input: sample.iso in the test folder) and returns the output ISO. */
async function buildRemaster(name: string, recipe: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `input: sample.iso\noutput: out/${name}.iso\n${recipe}`);
  const build = await runIsoforge(['build', file, '--workdir', join(dir, `work-${name}`)]);
  expect(build.stderr).toBe('');
  expect(build.exitCode).toBe(0);
  return join(dir, `out/${name}.iso`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-diff-'));
  // The remasters' input; a copy, as the cached sample is for reading only.
  await writeFile(join(dir, 'sample.iso'), await readFile(await ensureSampleIso()));
}, TIMEOUT);

describe('isoforge diff', () => {
  it('an ISO and itself: equal, exit 0', async () => {
    const run = await runIsoforge(['diff', IPXE, IPXE]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('equal (dates aside)');
    const { exitCode, diff } = await diffJson(IPXE, IPXE);
    expect(exitCode).toBe(0);
    expect(diff.equal).toBe(true);
    expect(diff.differences).toEqual([]);
    expect(diff.files).toEqual({
      added: [],
      removed: [],
      changed: [],
      unchecked: [],
      addedFolders: [],
      removedFolders: [],
    });
    expect(diff.a.bytesRead).toBeGreaterThan(0);
  });

  it('two boot setups: isolinux + EFI vs GRUB El Torito, isohybrid vs GRUB2 MBR, named', async () => {
    const { exitCode, diff } = await diffJson(IPXE, GRUB_RESCUE);
    expect(exitCode).toBe(1);
    expect(diff.differences).toEqual(['volume', 'boot', 'sectormap', 'files', 'menus']);
    // iPXE's isohybrid partition starts at sector 0 (type 0x17), GRUB's protective one at 1 (0xcd).
    expect(diff.sectorMap.changes.filter((c) => !c.a).map((c) => c.label)).toEqual([
      'ISO 9660 file system (MBR 0xcd)',
    ]);
    expect(diff.boot.eltorito).toEqual({
      removed: [
        'bios, bootable, emulation none, load 4, /isolinux.bin, boot-info-table',
        'uefi, bootable, emulation none, load 1728, /efi.img',
      ],
      added: [
        'bios, bootable, emulation none, load 4, /boot/grub/i386-pc/eltorito.img, boot-info-table, grub2-boot-info',
      ],
    });
    expect(diff.boot.changes).toContainEqual({ field: 'mbrBootCode', a: 'isohybrid', b: 'grub2' });
    expect(diff.boot.mbrPartitions).toEqual({
      removed: ['#1 type 0x17, bootable'],
      added: ['#1 type 0xcd, bootable'],
    });
    expect(diff.boot.mkisofs[0]).toEqual({
      a: '-isohybrid-mbr --interval:local_fs:0s-15s:zero_mbrpt:ISO',
      b: '--grub2-mbr --interval:local_fs:0s-15s:zero_mbrpt:ISO',
    });
    expect(diff.files.addedFolders).toEqual(['/boot']);
    expect(diff.files.removed.map((f) => f.path)).toEqual([
      '/boot.cat',
      '/efi.img',
      '/ipxe.krn',
      '/isolinux.bin',
      '/isolinux.cfg',
      '/ldlinux.c32',
    ]);
    expect(diff.menus.map((m) => [m.file, m.status])).toEqual([
      ['/isolinux.cfg', 'removed'],
      ['/boot/grub/grub.cfg', 'added'],
    ]);
    const text = (await runIsoforge(['diff', IPXE, GRUB_RESCUE])).stdout;
    expect(text).toContain('mbrBootCode  "isohybrid" -> "grub2"');
    expect(text).toContain('- bios, bootable, emulation none, load 4, /isolinux.bin, boot-info-table');
    expect(text).toMatch(/^ {2}\+ {2}\/boot\/ +289 files, 4\.2 MiB$/m);
  });

  it('--html writes the same diff as one self-contained page, with no script and no outside reference', async () => {
    const html = join(dir, 'ipxe-grub.html');
    const run = await runIsoforge(['diff', IPXE, GRUB_RESCUE, '--html', html]);
    expect(run.exitCode).toBe(1);
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('Sections that differ: <strong>volume, boot, sectormap, files, menus</strong>');
    // The terminal view, escaped: the El Torito line of iPXE's isolinux entry as the text shows it.
    expect(page).toContain('/isolinux.bin, boot-info-table');
    expect(page).not.toMatch(/<script|src="http|href="http/);
  });

  it('a truncated ISO: one error line, exit 2', async () => {
    const truncated = join(dir, 'truncated.iso');
    await writeFile(truncated, (await readFile(IPXE)).subarray(0, 40 * 2048));
    const run = await runIsoforge(['diff', IPXE, truncated]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^isoforge: error: .*truncated\.iso is truncated: needs bytes \d+\.\.\d+ of 81920$/,
      ),
    ]);
  });
});

describe('isoforge diff of the sample and a medium-only remaster of it', () => {
  let sample: string;
  let remaster: string;

  beforeAll(async () => {
    sample = join(dir, 'sample.iso');
    await mkdir(join(dir, 'files'));
    await writeFile(join(dir, 'files/oem-readme.txt'), 'OEM build 42\n');
    remaster = await buildRemaster(
      'medium',
      `iso:
  menu: { timeout: 5 }
  cmdline: { add: [net.ifnames=0] }
  files:
    - { src: files/oem-readme.txt, dest: /oem/README.txt }
`,
    );
  }, TIMEOUT);

  it('lists the changed menu files, the added file, md5sum.txt, the new kernel argument and timeout; nothing else', async () => {
    const { exitCode, diff } = await diffJson(sample, remaster);
    expect(exitCode).toBe(1);
    expect(diff.differences).toEqual(['volume', 'files', 'menus']);
    // The added file takes sectors: the volume grows, and nothing else about it changes.
    expect(diff.volume.changes.map((c) => c.field)).toEqual(['sizeBytes', 'volumeBlocks']);
    expect(diff.files.added).toEqual([{ path: '/oem/README.txt', size: 13 }]);
    expect(diff.files.removed).toEqual([]);
    expect(diff.files.unchecked).toEqual([]);
    expect(diff.files.changed.map((f) => f.path).sort()).toEqual([
      '/boot/grub/grub.cfg',
      '/boot/grub/loopback.cfg',
      '/md5sum.txt',
    ]);
    const grub = diff.menus.find((m) => m.file === '/boot/grub/grub.cfg');
    expect(grub?.timeout).toEqual({ a: 1, b: 5 });
    expect(grub?.entries).toEqual(
      ['Try or Install Ubuntu Server', 'Ubuntu Server with the HWE kernel'].map((title) => ({
        title,
        field: 'cmdline',
        a: 'console=ttyS0,115200 ---',
        b: 'console=ttyS0,115200 net.ifnames=0 ---',
      })),
    );
    expect(diff.menus.map((m) => m.file)).toEqual(['/boot/grub/grub.cfg', '/boot/grub/loopback.cfg']);
    expect(diff.boot.mkisofs).toEqual([]);
    expect(diff.layers).toEqual([]);
    // md5sum.txt decides for every other file: neither side read a layer's bytes.
    expect(diff.a.bytesRead).toBeLessThan(1024 * 1024);
    expect(diff.b.bytesRead).toBeLessThan(1024 * 1024);
  });
});

describe('isoforge diff of the sample and a remaster that changed a layer', () => {
  let layer = '';

  it(
    'names the packages installed and upgraded, the layer size, its files, the manifest and md5sum.txt',
    async () => {
      const debs = join(dir, 'debs');
      await mkdir(debs, { recursive: true });
      const driver = await makeTestDeb(debs, 'isoforge-nic-driver', '1.0', {
        path: 'usr/share/isoforge-nic-driver/firmware.bin',
        content: 'firmware\n',
      });
      // A newer netbase (the top layer has 6.4): dpkg upgrades it in the layer.
      const netbase = await makeTestDeb(debs, 'netbase', '6.5', {
        path: 'usr/share/doc/netbase/isoforge',
        content: 'upgraded\n',
      });
      layer = await buildRemaster(
        'layer',
        `layers:
  ${TOP}:
    steps:
      - debs: [${driver}, ${netbase}]
`,
      );
      const { exitCode, diff } = await diffJson(join(dir, 'sample.iso'), layer);
      expect(exitCode).toBe(1);
      expect(diff.layers.map((l) => [l.name, l.status])).toEqual([[TOP, 'changed']]);
      const [top] = diff.layers;
      expect(top?.packages).toEqual({
        added: [{ name: 'isoforge-nic-driver', version: '1.0' }],
        removed: [],
        upgraded: [{ name: 'netbase', from: '6.4', to: '6.5' }],
        downgraded: [],
      });
      // The .size sidecar (du of the layer, in 4 KiB blocks) changes only when the new files take
      // more or fewer blocks than the ones dpkg removed; install-sources.yaml's sizes follow it.
      expect(top?.changes.map((c) => c.field)).toContain('sizeBytes');
      const sized = top?.changes.some((c) => c.field === 'recordedSize') ?? false;
      expect(diff.files.added).toEqual([]);
      expect(diff.files.removed).toEqual([]);
      expect(diff.files.changed.map((f) => f.path).sort()).toEqual([
        ...(sized ? ['/casper/install-sources.yaml'] : []),
        `/casper/${TOP}.manifest`,
        ...(sized ? [`/casper/${TOP}.size`] : []),
        `/casper/${TOP}.squashfs`,
        '/md5sum.txt',
      ]);
      expect(diff.menus).toEqual([]);
      // The layer's own files, from its squashfs directory and inode tables: the two packages' files
      // came, dpkg's database changed; no other layer was opened (their files did not change).
      // No folder the chroot session or apt only copied up or made (/usr/sbin for policy-rc.d,
      // /var/cache/apt/archives/partial, /var/lib/apt/lists/partial...), and the dpkg lock files keep
      // their times.
      expect(top?.files?.added).toEqual([
        '/usr/share/doc/netbase/isoforge',
        '/usr/share/isoforge-nic-driver',
        '/usr/share/isoforge-nic-driver/firmware.bin',
        '/var/lib/dpkg/info/isoforge-nic-driver.list',
        '/var/lib/dpkg/info/isoforge-nic-driver.md5sums',
      ]);
      expect(top?.files?.changed.map((c) => c.path)).toEqual([
        '/var/lib/dpkg/info/netbase.list',
        '/var/lib/dpkg/info/netbase.md5sums',
        '/var/lib/dpkg/status',
        '/var/lib/dpkg/status-old',
        '/var/log/dpkg.log',
      ]);
      // The test's netbase 6.5 ships one file: dpkg removed the files of 6.4 it no longer has.
      expect(top?.files?.removed).toEqual([
        '/usr/share/doc/netbase/changelog.gz',
        '/usr/share/doc/netbase/copyright',
        '/var/lib/dpkg/info/netbase.conffiles',
        '/var/lib/dpkg/info/netbase.postinst',
        '/var/lib/dpkg/info/netbase.postrm',
      ]);
      // Tables and sidecars only: a tiny part of the two ISOs.
      expect(diff.bytesRead).toBe(diff.a.bytesRead + diff.b.bytesRead);
      expect(diff.bytesRead).toBeLessThan((diff.a.sizeBytes + diff.b.sizeBytes) / 50);
      expect(top?.packagesFrom).toBe('manifest');
      const text = (await runIsoforge(['diff', join(dir, 'sample.iso'), layer])).stdout;
      expect(text).toContain(
        '  Packages, from the manifests:\n  + isoforge-nic-driver 1.0\n  ^ netbase 6.4 -> 6.5',
      );
      expect(text).toMatch(/^ {2}Files in the layer: \d+ added, 5 removed, \d+ changed$/m);
      expect(text).toContain('    + /usr/share/isoforge-nic-driver/firmware.bin\n');
      expect(text).toMatch(/^Read [\d.]+ [KM]iB of the two ISOs' [\d.]+ MiB \(\d+\.\d\d%\)$/m);
    },
    TIMEOUT,
  );

  it(
    "without the layer's manifest sidecar: the packages from both layers' /var/lib/dpkg/status",
    async () => {
      expect(layer).not.toBe('');
      const bare = join(dir, 'no-manifest.iso');
      await runXorriso([
        ...['-indev', layer, '-outdev', bare, '-boot_image', 'any', 'replay'],
        ...['-rm', `/casper/${TOP}.manifest`, '--'],
      ]);
      const { exitCode, diff } = await diffJson(join(dir, 'sample.iso'), bare);
      expect(exitCode).toBe(1);
      expect(diff.files.removed.map((f) => f.path)).toEqual([`/casper/${TOP}.manifest`]);
      const [top] = diff.layers;
      expect(top?.packagesFrom).toBe('dpkg-status');
      expect(top?.packages).toEqual({
        added: [{ name: 'isoforge-nic-driver', version: '1.0' }],
        removed: [],
        upgraded: [{ name: 'netbase', from: '6.4', to: '6.5' }],
        downgraded: [],
      });
      const text = (await runIsoforge(['diff', join(dir, 'sample.iso'), bare])).stdout;
      expect(text).toContain(
        "  Packages, from the layers' /var/lib/dpkg/status (no manifest):\n  + isoforge-nic-driver 1.0\n",
      );
    },
    TIMEOUT,
  );
});
