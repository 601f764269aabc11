import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCoreImage, makeBiosBootSector } from '../../src/boottest/bios-mbr.ts';
import { makeLoopbackStick, makeStickIsoName } from '../../src/boottest/loopback.ts';
import { FormatError } from '../../src/errors.ts';
import { parseMbr } from '../../src/iso/mbr.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { ensureSampleIso } from '../support/sample.ts';

const BOOT_IMG = '/usr/lib/grub/i386-pc/boot.img';
const PARTITION_OFFSET = 2048 * 512;
let dir: string;
let stick: string;
let iso: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-stick-'));
  stick = join(dir, 'stick.img');
  iso = await ensureSampleIso();
  expect(await makeLoopbackStick({ iso, stick, workDir: dir })).toBe(`/${makeStickIsoName(iso)}`);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readBytes(file: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const bytes = new Uint8Array(length);
    await handle.read(bytes, 0, length, offset);
    return bytes;
  } finally {
    await handle.close();
  }
}

const mtools = async (program: string, path: string) =>
  (await runCommand([program, '-i', `${stick}@@${PARTITION_OFFSET}`, path])).stdout;

describe('the loopback stick (boot-test --media loopback)', () => {
  it('is an MBR disk with one bootable FAT partition at 1 MiB that ends with the image', async () => {
    const mbr = parseMbr(await readBytes(stick, 0, 512));
    expect(mbr?.partitions.map((p) => [p.index, p.type, p.bootable, p.start])).toEqual([
      [1, '0x0c', true, 2048],
    ]);
    const partition = mbr?.partitions[0];
    expect(((partition?.start ?? 0) + (partition?.sectors ?? 0)) * 512).toBe((await stat(stick)).size);
    // The temporary GRUB images and FAT image are gone; only the stick is left.
    expect((await runCommand(['ls', dir])).stdout.trim()).toBe('stick.img');
  });

  it('holds the ISO byte for byte, the host GRUB for UEFI and the config that sources loopback.cfg', async () => {
    const isoName = makeStickIsoName(iso);
    const listing = await mtools('mdir', '::/EFI/BOOT');
    expect(listing).toMatch(/BOOTX64\s+EFI/);
    const config = await mtools('mtype', '::/boot/grub/grub.cfg');
    expect(config).toContain(
      `loopback loop ($root)/${isoName}\nset iso_path=/${isoName}\nexport iso_path\nset root=(loop)`,
    );
    expect(config).toContain('configfile /boot/grub/loopback.cfg');
    const copy = join(dir, 'copy.iso');
    await runCommand(['mcopy', '-i', `${stick}@@${PARTITION_OFFSET}`, `::/${isoName}`, copy]);
    expect((await readFile(copy)).equals(await readFile(iso))).toBe(true);
    await rm(copy);
  });

  it('has GRUB boot.img in sector 0 (drive check off, partition table kept) and core.img from sector 1', async () => {
    const sector = await readBytes(stick, 0, 512);
    const bootImg = await readFile(BOOT_IMG);
    expect(Buffer.from(sector.subarray(0x5a, 0x66))).toEqual(bootImg.subarray(0x5a, 0x66));
    expect([sector[0x66], sector[0x67]]).toEqual([0x90, 0x90]);
    expect(Buffer.from(sector.subarray(0x68, 0x1b8))).toEqual(bootImg.subarray(0x68, 0x1b8));
    const core = await readBytes(stick, 512, 1024);
    expect(() => checkCoreImage(core, 2048)).not.toThrow();
    // Sector 0 is no core.img: its diskboot blocklist is not there.
    expect(() => checkCoreImage(sector, 2048)).toThrow(FormatError);
    expect(() => checkCoreImage(core, 2)).toThrow(
      /core\.img needs \d+ sectors; the gap before the partition has 1/,
    );
  });

  it('refuses a boot.img without the 55AA signature, naming it', () => {
    const broken = new Uint8Array(512);
    expect(() => makeBiosBootSector(broken, new Uint8Array(512))).toThrow(
      'boot.img is not a 512-byte GRUB boot sector (no 0x55AA signature)',
    );
  });
});
