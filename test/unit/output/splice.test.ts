import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/iso/bytes.ts';
import { agreedChs, encodeChs, geometriesOf } from '../../../src/output/splice/mbr-chs.ts';
import { planSplice } from '../../../src/output/splice/patches.ts';
import type { SkeletonLayout } from '../../../src/output/splice/skeleton-layout.ts';

// The protective MBR entry xorriso 1.5.4 wrote for the sample's skeleton (64 heads, 32 sectors):
// 00 | 00 02 00 | ee | 04 1c 36 | start 1 | 110747 sectors.
const PROTECTIVE = { start: 1, sectors: 110747, startChs: [0, 2, 0], endChs: [4, 0x1c, 0x36] };
const FORCED_BOOTABLE = { start: 0, sectors: 1, startChs: [0, 1, 0], endChs: [0, 1, 0] };

describe('MBR CHS as libisofs writes it', () => {
  it('encodes the entry xorriso wrote', () => {
    expect(encodeChs(1, { heads: 64, sectors: 32 })).toEqual([0, 2, 0]);
    expect(encodeChs(110747, { heads: 64, sectors: 32 })).toEqual([4, 0x1c, 0x36]);
  });

  it('saturates past cylinder 1023 at (1023, heads - 1, sectors)', () => {
    expect(encodeChs(64 * 32 * 1024, { heads: 64, sectors: 32 })).toEqual([63, 32 | 0xc0, 0xff]);
    expect(encodeChs(255 * 63 * 5000, { heads: 255, sectors: 63 })).toEqual([0xfe, 0xff, 0xff]);
  });

  it('finds the geometry the entries were written with, and only geometries that agree', () => {
    const geometries = geometriesOf([PROTECTIVE, FORCED_BOOTABLE]);
    expect(geometries).toContainEqual({ heads: 64, sectors: 32 });
    expect(geometries).not.toContainEqual({ heads: 255, sectors: 63 });
    expect(agreedChs(4_000_000, geometries)).toEqual(encodeChs(4_000_000, { heads: 64, sectors: 32 }));
  });

  it('finds none for CHS bytes no geometry makes', () => {
    expect(geometriesOf([{ ...PROTECTIVE, endChs: [200, 0x3f, 0x36] }])).toEqual([]);
  });

  it('gives no CHS where the possible geometries disagree on it', () => {
    // Sector 0 is (0, 0, 1) under every geometry: it says nothing of the one to use further on.
    const any = geometriesOf([FORCED_BOOTABLE]);
    expect(any.length).toBeGreaterThan(1);
    expect(agreedChs(100_000, any)).toBeNull();
  });
});

/** A skeleton of 100 blocks: the stand-in at block 60, an appended partition at 61..89, the backup GPT last. */
function skeleton(): SkeletonLayout {
  const header = Buffer.alloc(92);
  header.write('EFI PART', 0, 'latin1');
  header.writeUInt32LE(92, 12);
  header.writeBigUInt64LE(1n, 24);
  header.writeBigUInt64LE(399n, 32);
  header.writeBigUInt64LE(64n, 40);
  header.writeBigUInt64LE(366n, 48);
  header.writeBigUInt64LE(2n, 72);
  header.writeUInt32LE(4, 80);
  header.writeUInt32LE(128, 84);
  const entries = Buffer.alloc(4 * 128);
  const partition = (index: number, first: number, last: number) => {
    entries.fill(0xaa, index * 128, index * 128 + 16);
    entries.writeBigUInt64LE(BigInt(first), index * 128 + 32);
    entries.writeBigUInt64LE(BigInt(last), index * 128 + 40);
  };
  partition(0, 64, 243); // the ISO 9660 partition: blocks 16..60, the stand-in its last
  partition(1, 244, 359); // the appended ESP: blocks 61..89
  return {
    sizeBytes: 100 * 2048,
    standIn: 60,
    records: [
      { offset: 40_000, base: 0, extent: 60, size: 1, isDirectory: false, multiExtent: false },
      { offset: 90_000, base: 16, extent: 60, size: 1, isDirectory: false, multiExtent: false },
    ],
    volumeSizes: [
      { offset: 16 * 2048 + 80, blocks: 100, base: 0 },
      { offset: 32 * 2048 + 80, blocks: 45, base: 16 },
    ],
    bootImages: [{ offset: 20 * 2048 + 72, value: 61 }],
    mbr: {
      entries: [
        {
          offset: 446,
          bytes: Uint8Array.from([
            0,
            0,
            2,
            0,
            0xee,
            ...encodeChs(399, { heads: 64, sectors: 32 }),
            1,
            0,
            0,
            0,
            143,
            1,
            0,
            0,
          ]),
          start: 1,
          sectors: 399,
          startChs: [0, 2, 0],
          endChs: encodeChs(399, { heads: 64, sectors: 32 }),
        },
      ],
      geometries: [{ heads: 64, sectors: 32 }],
    },
    gpt: { header, entries, entriesLba: 2 },
  };
}

function writeAt(plan: ReturnType<typeof planSplice>, offset: number): Buffer {
  const write = plan.writes.find((w) => w.offset === offset);
  if (!write) throw new Error(`no write at ${offset}`);
  return Buffer.from(write.bytes);
}

describe('planSplice', () => {
  // A file of 10 blocks and one byte at block 62 (two blocks after the stand-in, for 4 KiB alignment).
  const plan = planSplice(skeleton(), { lba: 62, size: 10 * 2048 + 1 });

  it('moves what followed the stand-in up by the blocks the file takes beyond it', () => {
    expect(plan.shift).toBe(62 + 11 - 61);
    expect(plan.sizeBytes).toBe((100 + plan.shift) * 2048);
  });

  it("writes the file's place into each tree's record, counted from the tree's base, both-endian", () => {
    const first = writeAt(plan, 40_002);
    expect([first.readUInt32LE(0), first.readUInt32BE(4)]).toEqual([62, 62]);
    expect(writeAt(plan, 90_002).readUInt32LE(0)).toBe(62 - 16);
    expect(writeAt(plan, 40_010).readUInt32BE(4)).toBe(10 * 2048 + 1);
  });

  it('grows the volumes and moves the boot image that followed', () => {
    expect(writeAt(plan, 16 * 2048 + 80).readUInt32LE(0)).toBe(100 + plan.shift);
    expect(writeAt(plan, 32 * 2048 + 80).readUInt32BE(4)).toBe(45 + plan.shift);
    expect(writeAt(plan, 20 * 2048 + 72).readUInt32LE(0)).toBe(61 + plan.shift);
  });

  it('grows the protective MBR entry to the new end, with its CHS', () => {
    const entry = writeAt(plan, 446);
    const sectors = 399 + plan.shift * 4;
    expect(entry.readUInt32LE(12)).toBe(sectors);
    expect([...entry.subarray(5, 8)]).toEqual(encodeChs(sectors, { heads: 64, sectors: 32 }));
  });

  it('grows the partition holding the file, moves the one after, and writes a backup GPT at the new end', () => {
    const entries = writeAt(plan, 2 * 512);
    const shift = plan.shift * 4;
    expect(entries.readBigUInt64LE(40)).toBe(BigInt(243 + shift));
    expect(entries.readBigUInt64LE(128 + 32)).toBe(BigInt(244 + shift));
    expect(entries.readBigUInt64LE(128 + 40)).toBe(BigInt(359 + shift));
    const header = writeAt(plan, 512);
    const lastLba = plan.sizeBytes / 512 - 1;
    expect(header.readBigUInt64LE(32)).toBe(BigInt(lastLba));
    expect(header.readBigUInt64LE(48)).toBe(BigInt(366 + shift));
    expect(header.readUInt32LE(88)).toBe(crc32(entries));
    const backup = writeAt(plan, lastLba * 512);
    expect(backup.readBigUInt64LE(24)).toBe(BigInt(lastLba));
    expect(backup.readBigUInt64LE(72)).toBe(BigInt(lastLba - 1));
    const unsigned = Buffer.from(backup);
    unsigned.writeUInt32LE(0, 16);
    expect(backup.readUInt32LE(16)).toBe(crc32(unsigned));
  });

  it('refuses a place before the stand-in', () => {
    expect(() => planSplice(skeleton(), { lba: 59, size: 1 })).toThrow(/cannot place/);
  });
});
