import { open } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.ts';
import { makeBootInfoTable, parseBootCatalog, parseBootImagePatches } from '../../../src/iso/eltorito.ts';
import { parseGptEntries, parseGptHeader, guidToXorrisoHex, formatGuid } from '../../../src/iso/gpt.ts';
import { parseMbr } from '../../../src/iso/mbr.ts';
import { parseDescriptorHeader, parsePrimaryVolume } from '../../../src/iso/volume.ts';
import { parseSquashfsSuperblock } from '../../../src/iso/squashfs.ts';
import { parseDirectoryRecords } from '../../../src/iso/directory.ts';

const IPXE = '/usr/lib/ipxe/ipxe.iso';
const GRUB_RESCUE = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const MEMTEST = '/usr/lib/memtest86+/memtest86+x64.iso';

async function readBytes(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** The same bytes at a non-zero offset of a larger buffer: parsers must not assume byteOffset 0. */
function atOffset(bytes: Uint8Array, pad = 13): Uint8Array {
  const big = new Uint8Array(bytes.length + pad * 2);
  big.set(bytes, pad);
  return big.subarray(pad, pad + bytes.length);
}

describe('ISO 9660 primary volume descriptor on real bytes', () => {
  it.each([IPXE, GRUB_RESCUE])('%s', async (iso) => {
    const sector = atOffset(await readBytes(iso, 16 * 2048, 2048));
    expect(parseDescriptorHeader(sector, 16)?.type).toBe(1);
    const pvd = parsePrimaryVolume(sector);
    expect(pvd.volumeId).toBe('ISOIMAGE');
    expect(pvd.blockSize).toBe(2048);
    expect(pvd.volumeBlocks * 2048).toBeGreaterThan(1024 * 1024);
    expect(pvd.modified).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('El Torito boot catalog on real bytes', () => {
  it('ipxe: BIOS isolinux entry and a UEFI section entry', async () => {
    const catalog = atOffset(await readBytes(IPXE, 33 * 2048, 2048));
    const entries = parseBootCatalog(catalog);
    expect(entries.map((e) => [e.platform, e.bootable, e.emulation, e.loadSectors, e.lba])).toEqual([
      ['bios', true, 'none', 4, 466],
      ['uefi', true, 'none', 1728, 34],
    ]);
  });

  it('refuses a catalog whose validation checksum is wrong', async () => {
    const catalog = Uint8Array.from(await readBytes(IPXE, 33 * 2048, 2048));
    catalog[4] = (catalog[4] ?? 0) ^ 0xff;
    expect(() => parseBootCatalog(catalog)).toThrow(/validation entry checksum is wrong/);
  });
});

describe('boot info table by libisofs rule', () => {
  // ipxe's isolinux.bin as xorriso wrote it: block 466, 38912 bytes (xorriso -exec report_lba).
  const place = { lba: 466, fileBytes: 38912, pvdLba: 16 };

  it('needs all four words: a table with another checksum is no table', async () => {
    const image = Uint8Array.from(await readBytes(IPXE, 466 * 2048, 38912));
    image[20] = (image[20] ?? 0) ^ 1;
    expect(parseBootImagePatches(image, place).bootInfoTable).toBe(false);
  });

  it('counts a table that names a relocated PVD only where the caller found one', async () => {
    const image = Uint8Array.from(await readBytes(IPXE, 466 * 2048, 38912));
    const table = makeBootInfoTable(image, 48, 466, 38912);
    new DataView(image.buffer).setUint32(8, 48, true);
    expect(table[3]).toBe(new DataView(image.buffer).getUint32(20, true));
    expect(parseBootImagePatches(image, place).bootInfoTable).toBe(false);
    expect(parseBootImagePatches(image, { ...place, pvdLba: 48 }).bootInfoTable).toBe(true);
  });

  it('sums a short last word as if padded with zeros', () => {
    const image = new Uint8Array(70).fill(1);
    // words at 64 (0x01010101) and the 2-byte tail at 68 (0x0101)
    expect(makeBootInfoTable(image, 16, 3, 70)).toEqual([16, 3, 70, 0x01010101 + 0x0101]);
  });

  it('leaves images past 4 MiB or under 64 bytes alone, as libisofs does', () => {
    expect(
      parseBootImagePatches(new Uint8Array(63), { lba: 1, fileBytes: 63, pvdLba: 16 }).bootInfoTable,
    ).toBe(false);
  });
});

describe('MBR and GPT on real bytes', () => {
  it('grub-rescue: GRUB2 MBR with one bootable 0xcd partition from sector 1', async () => {
    const mbr = parseMbr(atOffset(await readBytes(GRUB_RESCUE, 0, 512)), {
      lba: 1394,
      isohybridCapable: false,
    });
    expect(mbr?.bootCode).toBe('grub2');
    expect(mbr?.partitions.map((p) => [p.index, p.bootable, p.type, p.start])).toEqual([
      [1, true, '0xcd', 1],
    ]);
  });

  it('ipxe: isohybrid MBR, no GPT', async () => {
    const head = await readBytes(IPXE, 0, 1024);
    // xorriso -find / -name isolinux.bin -exec report_lba: block 466, 38912 bytes
    const isolinuxBin = await readBytes(IPXE, 466 * 2048, 38912);
    const patches = parseBootImagePatches(isolinuxBin, { lba: 466, fileBytes: 38912, pvdLba: 16 });
    expect(patches).toEqual({ bootInfoTable: true, grub2BootInfo: false, isohybridCapable: true });
    expect(parseMbr(head, { lba: 466, ...patches })?.bootCode).toBe('isohybrid');
    // Without an isolinux.bin to jump to, xorriso has no name for the code either.
    expect(parseMbr(head, { lba: 466, isohybridCapable: false })?.bootCode).toBe('other');
    expect(parseGptHeader(head.subarray(512))).toBeNull();
  });

  it('memtest86+: GRUB2 MBR named by its patch (image address + 4 at 0x1B0), not by a signature', async () => {
    const sector = await readBytes(MEMTEST, 0, 512);
    const code = new TextDecoder('latin1').decode(sector.subarray(0, 440));
    expect(code).not.toContain('GRUB');
    const address = new DataView(sector.buffer).getBigUint64(0x1b0, true);
    expect(address).toBe(35n * 4n + 4n);
    expect(parseMbr(atOffset(sector), { lba: 35, isohybridCapable: false })?.bootCode).toBe('grub2');
  });

  it('a GRUB2 MBR whose patched address is not the boot image is not called grub2', async () => {
    const sector = Uint8Array.from(await readBytes(GRUB_RESCUE, 0, 512));
    const first = { lba: 1394, isohybridCapable: false };
    expect(parseMbr(sector, first)?.bootCode).toBe('grub2');
    new DataView(sector.buffer).setBigUint64(0x1b0, BigInt(1395 * 4 + 4), true);
    expect(parseMbr(sector, first)?.bootCode).toBe('other');
    expect(parseMbr(sector, { lba: 1395, isohybridCapable: false })?.bootCode).toBe('grub2');
    // No El Torito image at all: nothing for the code to have been patched with.
    expect(parseMbr(sector, null)?.bootCode).toBe('other');
  });

  it('detects a GPT header or entry array whose CRC does not match', () => {
    const header = new Uint8Array(512);
    header.set(new TextEncoder().encode('EFI PART'), 0);
    new DataView(header.buffer).setUint32(12, 92, true);
    expect(() => parseGptHeader(header)).toThrow(/GPT header CRC does not match/);
    const fake = {
      currentLba: 1,
      backupLba: 0,
      firstUsableLba: 0,
      lastUsableLba: 0,
      diskGuid: '',
      entriesLba: 2,
      entryCount: 1,
      entrySize: 128,
      entriesCrc: 1,
    };
    expect(() => parseGptEntries(fake, new Uint8Array(128))).toThrow(/entry array CRC does not match/);
  });

  it('writes GUIDs canonically and in xorriso byte order', () => {
    const esp = Uint8Array.from([
      0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b,
    ]);
    expect(formatGuid(esp)).toBe('c12a7328-f81f-11d2-ba4b-00a0c93ec93b');
    expect(guidToXorrisoHex('c12a7328-f81f-11d2-ba4b-00a0c93ec93b')).toBe('28732ac11ff8d211ba4b00a0c93ec93b');
  });
});

describe('bounds', () => {
  it('a truncated descriptor, superblock or directory gives FormatError, never a RangeError', () => {
    expect(() => parsePrimaryVolume(new Uint8Array(100).fill(0x20))).toThrow(FormatError);
    expect(() => parseSquashfsSuperblock(new Uint8Array(10))).toThrow(FormatError);
    const record = new Uint8Array(64);
    record[0] = 60; // claims 60 bytes with a name running past the end
    record[32] = 200;
    expect(() => parseDirectoryRecords(record)).toThrow(FormatError);
  });
});
