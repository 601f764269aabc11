import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guidToXorrisoHex } from '../../src/iso/gpt.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { parsePlainReport } from '../support/xorriso-report.ts';

// Longer than fits in one directory record's system use area: xorriso spills it into a CE area.
const LONG_STEM = `ubuntu-server-minimal.ubuntu-server.installer.generic-hwe${'.x'.repeat(70)}`;
const DEEP = 'd1/d2/d3/d4/d5/d6/d7/d8/d9/d10';
// Longer than one SL entry holds: split over several, the last component continued across them.
const LONG_TARGET = `../${'a'.repeat(200)}/${'b'.repeat(250)}/c`;

let workDir = '';
const isos: Record<string, string> = {};
const SETUPS: readonly Setup[] = [
  'mbr-appended',
  'gpt-appended',
  'isohybrid-gpt-apm',
  'isolinux-hybrid-offset',
  'partition-offset',
];
// ISOLINUX's magic at byte 64 of isolinux.bin: with a boot info table, libisofs calls it isohybrid-suitable.
const ISOLINUX_MAGIC = [0xfb, 0xc0, 0x78, 0x70];

async function makeTree(root: string): Promise<void> {
  const rootfs = join(workDir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(join(rootfs, 'etc/isoforge-release'), 'made-iso\n');
  await mkdir(join(root, 'casper'), { recursive: true });
  await runCommand([
    'mksquashfs',
    rootfs,
    join(root, `casper/${LONG_STEM}.squashfs`),
    '-comp',
    'gzip',
    '-quiet',
  ]);
  await writeFile(join(root, `casper/${LONG_STEM}.manifest`), 'base-files\t12.4\n');
  await writeFile(join(root, `casper/${LONG_STEM}.size`), '4096\n');
  await mkdir(join(root, DEEP), { recursive: true });
  await writeFile(join(root, DEEP, 'leaf.txt'), 'deep leaf\n');
  await symlink(`casper/${LONG_STEM}.squashfs`, join(root, 'layer-link'));
  await symlink(LONG_TARGET, join(root, 'long-link'));
  await mkdir(join(root, 'boot'), { recursive: true });
  await writeFile(join(root, 'boot/bios.img'), new Uint8Array(4096).fill(0x90));
  const isolinux = new Uint8Array(4096).fill(0x90);
  isolinux.set(ISOLINUX_MAGIC, 64);
  await writeFile(join(root, 'boot/isolinux.bin'), isolinux);
}

type Setup =
  'mbr-appended' | 'gpt-appended' | 'isohybrid-gpt-apm' | 'isolinux-hybrid-offset' | 'partition-offset';

/** Each setup's El Torito images as [path, appended partition, boot info table]. */
const IMAGES: Record<Setup, [string | null, number | null, boolean][]> = {
  'mbr-appended': [
    ['/boot/bios.img', null, true],
    [null, 2, false],
  ],
  'gpt-appended': [
    ['/boot/bios.img', null, true],
    [null, 2, false],
  ],
  'isohybrid-gpt-apm': [
    ['/boot/bios.img', null, true],
    ['/efi/efi.img', null, false],
  ],
  'isolinux-hybrid-offset': [
    ['/boot/isolinux.bin', null, true],
    ['/efi/efi.img', null, false],
  ],
  'partition-offset': [['/boot/bios.img', null, true]],
};

/**
 * Boot setups xorriso can write: the EFI image in an appended partition of the MBR or of a GPT;
 * inside the ISO marked by GPT and APM entries, with ipxe's MBR code as the isohybrid template
 * (not isohybrid to libisofs: bios.img is no isolinux.bin), or as live-build makes it (isolinux.bin,
 * a second set of metadata at -partition_offset 16); and -partition_offset 16 alone.
 */
function mkisofsArgs(root: string, out: string, setup: Setup): string[] {
  const isohybridMbr = ['-isohybrid-mbr', join(workDir, 'isohdpfx.bin')];
  const appendedEfi = ['-append_partition', '2', '0xef', join(workDir, 'efi.img')];
  const efiAppended = ['-e', '--interval:appended_partition_2:all::', '-no-emul-boot'];
  const efiInside = ['-e', 'efi/efi.img', '-no-emul-boot'];
  const hybridMarks = ['-isohybrid-gpt-basdat', '-isohybrid-apm-hfsplus'];
  const afterBios = {
    'mbr-appended': [...appendedEfi, '-eltorito-alt-boot', ...efiAppended],
    'gpt-appended': [...appendedEfi, '-eltorito-alt-boot', ...efiAppended, '-appended_part_as_gpt'],
    'isohybrid-gpt-apm': [...isohybridMbr, '-eltorito-alt-boot', ...efiInside, ...hybridMarks],
    'isolinux-hybrid-offset': [
      ...[...isohybridMbr, '-partition_offset', '16'],
      ...['-eltorito-alt-boot', ...efiInside, ...hybridMarks],
    ],
    'partition-offset': ['-partition_offset', '16'],
  }[setup];
  const bios = setup === 'isolinux-hybrid-offset' ? 'boot/isolinux.bin' : 'boot/bios.img';
  return [
    ...['xorriso', '-as', 'mkisofs', '-o', out, '-R', '-J', '-joliet-long', '-V', 'MADE ISO'],
    ...['-c', 'boot.catalog', '-b', bios, '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
    ...afterBios,
    root,
  ];
}

/** xorriso's own reports; it exits 32 after them when it cannot propose options for an APM. */
async function readXorrisoReport(iso: string): Promise<{ plain: string[]; elToritoAsMkisofs: string[] }> {
  const report = async (...args: string[]) => {
    const { stdout } = await runCommand(['xorriso', '-indev', iso, ...args], { okExitCodes: [32] });
    return stdout.split('\n').filter((line) => line.trim());
  };
  return {
    plain: await report('-report_el_torito', 'plain', '-report_system_area', 'plain'),
    elToritoAsMkisofs: await report('-report_el_torito', 'as_mkisofs'),
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'isoforge-made-iso-'));
  const root = join(workDir, 'tree');
  await makeTree(root);
  await writeFile(join(workDir, 'efi.img'), new Uint8Array(1024 * 1024).fill(0xe5));
  await mkdir(join(root, 'efi'));
  await writeFile(join(root, 'efi/efi.img'), new Uint8Array(1024 * 1024).fill(0xe5));
  const ipxeHead = new Uint8Array(432);
  await using ipxe = await open('/usr/lib/ipxe/ipxe.iso', 'r');
  await ipxe.read(ipxeHead, 0, 432, 0);
  await writeFile(join(workDir, 'isohdpfx.bin'), ipxeHead);
  for (const setup of SETUPS) {
    isos[setup] = join(workDir, `${setup}.iso`);
    await runCommand(mkisofsArgs(root, isos[setup], setup));
  }
}, 120_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('IsoImage on an ISO made with Joliet, Rock Ridge long names, a symlink and a deep tree', () => {
  it('lists Rock Ridge long names (continued in CE areas) and reads files by them', async () => {
    await using image = await IsoImage.open(isos['mbr-appended'] ?? '');
    expect(image.rockRidge).toBe(true);
    const names = (await image.list('/casper')).map((e) => e.name).sort();
    expect(names).toEqual([`${LONG_STEM}.manifest`, `${LONG_STEM}.size`, `${LONG_STEM}.squashfs`]);
    expect(new TextDecoder().decode(await image.readFile(`/casper/${LONG_STEM}.manifest`))).toBe(
      'base-files\t12.4\n',
    );
  });

  it('follows the deep tree and reports the symlink with its target', async () => {
    await using image = await IsoImage.open(isos['mbr-appended'] ?? '');
    expect(await image.readText(`/${DEEP}/leaf.txt`)).toBe('deep leaf\n');
    const link = await image.stat('/layer-link');
    expect(link).toMatchObject({ isSymlink: true, target: `casper/${LONG_STEM}.squashfs` });
    expect((await image.stat('/long-link'))?.target).toBe(LONG_TARGET);
    expect((await image.stat(`/${DEEP}/leaf.txt`))?.modified).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(image.bytesRead).toBeLessThan(512 * 1024);
  });

  it('follows deep directories relocated by Rock Ridge (CL entries) to their real place', async () => {
    const iso = join(workDir, 'relocated.iso');
    const args = ['-compliance', 'deep_paths_off', '-rr_reloc_dir', 'RR_MOVED'];
    await runCommand([
      'xorriso',
      ...args,
      '-outdev',
      iso,
      '-map',
      join(workDir, 'tree/d1'),
      '/d1',
      '-commit',
    ]);
    await using image = await IsoImage.open(iso);
    expect(await image.stat('/d1/d2/d3/d4/d5/d6/d7/d8')).toMatchObject({ isDirectory: true });
    expect(await image.readText(`/${DEEP}/leaf.txt`)).toBe('deep leaf\n');
  });

  it('reads the squashfs layer superblock and its sidecars', async () => {
    const report = await inspectIso(isos['mbr-appended'] ?? '');
    expect(report.joliet).toBe(true);
    expect(report.layout).toBe('casper');
    expect(report.layers).toHaveLength(1);
    expect(report.layers[0]).toMatchObject({
      name: LONG_STEM,
      manifest: true,
      recordedSize: 4096,
      superblock: { compression: 'gzip', blockSize: 131072, version: '4.0' },
    });
  });
});

describe.each(SETUPS)('inspect agrees with xorriso on a made %s ISO', (name) => {
  it('El Torito entries, partitions and -as mkisofs arguments match xorriso', async () => {
    const iso = isos[name] ?? '';
    const [report, xorriso] = await Promise.all([inspectIso(iso), readXorrisoReport(iso)]);
    const reference = parsePlainReport(xorriso.plain);
    expect(report.eltorito.map((e) => [e.platform, e.bootable, e.emulation, e.loadSectors, e.lba])).toEqual(
      reference.eltorito.map((e) => [e.platform, e.bootable, e.emulation, e.loadSectors, e.lba]),
    );
    expect(report.eltorito.map((e) => [e.path, e.partition, e.bootInfoTable])).toEqual(IMAGES[name]);
    expect(report.mbr).toEqual(reference.mbr);
    const gpt = (report.gpt?.partitions ?? []).map((p) => ({
      index: p.index,
      typeHex: guidToXorrisoHex(p.typeGuid),
      name: p.name,
      start: p.start,
      sectors: p.sectors,
      flags: p.attributes,
    }));
    expect(gpt).toEqual(reference.gpt);
    if (name === 'isohybrid-gpt-apm' || name === 'isolinux-hybrid-offset') {
      // xorriso's report leaves out the map's own entry (Apple_partition_map); isoforge lists it too.
      const apmLines = xorriso.plain.filter((line) => line.startsWith('APM start and size'));
      const apmReference = apmLines.map((line) => line.split(/\s+/).slice(-2).map(Number));
      expect(
        report.apm.filter((p) => p.type !== 'Apple_partition_map').map((p) => [p.start, p.blocks]),
      ).toEqual(apmReference);
      expect(report.apm.map((p) => p.name)).toEqual(['Apple', 'EFI']);
    }
    expect(report.mkisofsArgs).toEqual(xorriso.elToritoAsMkisofs);
  });
});

describe('the -as mkisofs proposal for partition offsets and isohybrid marks', () => {
  it('an isolinux isohybrid ISO at -partition_offset 16 gets its GPT and APM marks back, no protective label', async () => {
    const { mkisofsArgs } = await inspectIso(isos['isolinux-hybrid-offset'] ?? '');
    expect(mkisofsArgs).toEqual(expect.arrayContaining(['-partition_offset 16', '-iso_mbr_part_type 0x00']));
    expect(mkisofsArgs.slice(-2)).toEqual(['-isohybrid-gpt-basdat', '-isohybrid-apm-hfsplus']);
    expect(mkisofsArgs).not.toContain('--protective-msdos-label');
    expect(mkisofsArgs).not.toContain('-efi-boot-part --efi-boot-image');
  });

  it('an MBR partition holding a second set of metadata is -partition_offset 16 of type 0xcd', async () => {
    const { mkisofsArgs } = await inspectIso(isos['partition-offset'] ?? '');
    expect(mkisofsArgs).toEqual(expect.arrayContaining(['-partition_offset 16', '-iso_mbr_part_type 0xcd']));
    expect(mkisofsArgs).not.toContain('--protective-msdos-label');
  });
});
