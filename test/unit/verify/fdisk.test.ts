import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/tools/exec.ts';
import { parseFdiskLayout } from '../../../src/verify/reports.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-fdisk-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fdisk(image: string) {
  const { stdout, stderr } = await runCommand(['fdisk', '-l', image]);
  return { stdout, layout: parseFdiskLayout(stdout, stderr, image) };
}

async function makeDiskImage(name: string, table: string): Promise<string> {
  const image = join(dir, name);
  await runCommand(['truncate', '-s', '20M', image]);
  await runCommand(['sfdisk', '-q', image], { input: table });
  return image;
}

/** A small ISO with an isohybrid-style MBR: partition 1 the ISO (boot flag set), 2 an appended ESP. */
async function makeHybridIso(name: string, extra: readonly string[]): Promise<string> {
  const tree = join(dir, 'tree');
  await mkdir(tree, { recursive: true });
  await writeFile(join(tree, 'a'), 'a\n');
  const esp = join(dir, 'esp.img');
  await runCommand(['truncate', '-s', '2M', esp]);
  await runCommand(['mkfs.vfat', esp]);
  const iso = join(dir, name);
  await runCommand(['xorriso', '-as', 'mkisofs', '-o', iso, '-V', 'T', ...extra, esp, tree]);
  return iso;
}

describe('parseFdiskLayout on fdisk -l of real images', () => {
  it('a dos table whose first partition has the boot flag: types, not sizes', async () => {
    const image = await makeDiskImage(
      'dos.img',
      'label: dos\nstart=2048, size=8192, type=ef, bootable\nstart=10240, size=8192, type=83\n',
    );
    const { stdout, layout } = await fdisk(image);
    expect(stdout).toMatch(/\*\s+2048/);
    expect(layout).toEqual({
      label: 'dos',
      types: ['ef EFI (FAT-12/16/32) (boot)', '83 Linux'],
      warnings: '',
    });
  });

  it.each([
    ['/usr/lib/ipxe/ipxe.iso', ['17 Hidden HPFS/NTFS (boot)']],
    ['/usr/lib/grub-rescue/grub-rescue-cdrom.iso', ['cd unknown (boot)']],
  ])('isohybrid images Debian ships, with the boot flag set: %s', async (iso, types) => {
    const { stdout, layout } = await fdisk(iso);
    expect(stdout).toMatch(/^Device +Boot /m);
    expect(layout).toEqual({ label: 'dos', types, warnings: '' });
  });

  it('xorriso --mbr-force-bootable with -partition_offset, in a path with a space', async () => {
    const iso = await makeHybridIso('hybrid iso.iso', [
      '-partition_offset',
      '16',
      '--mbr-force-bootable',
      '-append_partition',
      '2',
      '0xef',
    ]);
    const { stdout, layout } = await fdisk(iso);
    expect(stdout).toMatch(/hybrid iso\.iso1 +\* /);
    expect(layout).toEqual({
      label: 'dos',
      types: ['cd unknown (boot)', 'ef EFI (FAT-12/16/32)'],
      warnings: '',
    });
  });

  it('the same table with other sizes compares equal; a lost boot flag does not', async () => {
    const a = await makeDiskImage(
      'a.img',
      'label: dos\nstart=2048, size=8192, type=0, bootable\nstart=10240, size=4096, type=ef\n',
    );
    const b = await makeDiskImage(
      'b.img',
      'label: dos\nstart=2048, size=6000, type=0, bootable\nstart=8192, size=2048, type=ef\n',
    );
    const c = await makeDiskImage(
      'c.img',
      'label: dos\nstart=2048, size=6000, type=0\nstart=8192, size=2048, type=ef\n',
    );
    const [la, lb, lc] = [(await fdisk(a)).layout, (await fdisk(b)).layout, (await fdisk(c)).layout];
    expect(la.types).toEqual(lb.types);
    expect(lc.types).not.toEqual(la.types);
  });

  it('a GPT image made by xorriso (appended ESP as a GPT partition)', async () => {
    const iso = await makeHybridIso('gpt.iso', [
      '-appended_part_as_gpt',
      '-append_partition',
      '2',
      'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
    ]);
    const { layout } = await fdisk(iso);
    expect(layout).toEqual({
      label: 'gpt',
      types: ['Microsoft basic data', 'EFI System', 'Microsoft basic data'],
      warnings: '',
    });
  });

  it('a path ending in a digit, whose partitions fdisk names PATHpN (as the temp output of a build)', async () => {
    const image = await makeDiskImage(
      '.out.iso.isoforge-tmp-4242',
      'label: dos\nstart=2048, size=8192, type=0, bootable\nstart=10240, size=8192, type=ef\n',
    );
    const { stdout, layout } = await fdisk(image);
    expect(stdout).toContain(`${image}p1 *`);
    expect(layout.types).toEqual(['0 Empty (boot)', 'ef EFI (FAT-12/16/32)']);
  });

  it('a GPT disk image made by sfdisk, with a partition name', async () => {
    const image = await makeDiskImage(
      'gpt.img',
      'label: gpt\nstart=2048, size=8192, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI"\nstart=10240, size=8192, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F\n',
    );
    const { layout } = await fdisk(image);
    expect(layout).toEqual({ label: 'gpt', types: ['EFI System', 'Linux swap'], warnings: '' });
  });

  it('an image with no partition table has label none and no types', async () => {
    const image = join(dir, 'blank.img');
    await runCommand(['truncate', '-s', '1M', image]);
    expect((await fdisk(image)).layout).toEqual({ label: 'none', types: [], warnings: '' });
  });
});
