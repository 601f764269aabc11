import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, IsoforgeError } from '../../../src/errors.ts';
import { inspectIso } from '../../../src/inspect/inspect.ts';
import { parseApm } from '../../../src/iso/apm.ts';
import { parseDirectoryRecords, parseRockRidge, parseSuspEntries } from '../../../src/iso/directory.ts';
import { parseBootCatalog } from '../../../src/iso/eltorito.ts';
import { parseGptEntries, parseGptHeader } from '../../../src/iso/gpt.ts';
import { parseMbr } from '../../../src/iso/mbr.ts';
import { parseSquashfsSuperblock } from '../../../src/iso/squashfs.ts';
import { parsePrimaryVolume } from '../../../src/iso/volume.ts';

const MEGABYTE = 1024 * 1024;

/** xorshift32: the same mutations on every run, so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

async function head(path: string, length = MEGABYTE): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function mutate(bytes: Uint8Array, random: () => number, regions: readonly [number, number][]): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const flips = 1 + Math.floor(random() * 16);
  for (let i = 0; i < flips; i++) {
    const [start, end] = regions[Math.floor(random() * regions.length)] ?? [0, copy.length];
    const at = start + Math.floor(random() * Math.max(1, Math.min(end, copy.length) - start));
    copy[at] = Math.floor(random() * 256);
  }
  return copy;
}

/**
 * Every parser, on every structure it can find in these bytes. Returns how many parsed and how many
 * were rejected with a FormatError; any other error (a TypeError, a RangeError...) fails the test.
 */
function parseEverything(bytes: Uint8Array): { parsed: number; rejected: number } {
  const attempts = [
    () => parseMbr(bytes.subarray(0, 512)),
    () => parseApm(bytes.subarray(0, 32768)),
    () => {
      const header = parseGptHeader(bytes.subarray(512, 1024));
      if (header) parseGptEntries(header, bytes.subarray(1024, 1024 + 16384));
    },
    () => parsePrimaryVolume(bytes.subarray(16 * 2048, 17 * 2048)),
    () => parseSquashfsSuperblock(bytes.subarray(0, 96)),
  ];
  for (let lba = 17; lba < Math.min(bytes.length / 2048, 40); lba++) {
    const sector = bytes.subarray(lba * 2048, lba * 2048 + 2048);
    attempts.push(() => parseBootCatalog(sector));
    attempts.push(() => {
      for (const record of parseDirectoryRecords(sector)) parseRockRidge(parseSuspEntries(record.systemUse));
    });
  }
  const counts = { parsed: 0, rejected: 0 };
  for (const attempt of attempts) {
    try {
      attempt();
      counts.parsed++;
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      counts.rejected++;
    }
  }
  return counts;
}

describe('parsers under mutation', () => {
  it.each([
    ['/usr/lib/ipxe/ipxe.iso', 1],
    ['/usr/lib/grub-rescue/grub-rescue-cdrom.iso', 2],
  ])('%s: 1500 mutated first megabytes parse or fail with FormatError', async (iso, seed) => {
    const original = await head(iso);
    const random = prng(seed);
    const regions: [number, number][] = [
      [0, 1024],
      [16 * 2048, 40 * 2048],
      [0, original.length],
    ];
    const totals = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 1500; i++) {
      const { parsed, rejected } = parseEverything(mutate(original, random, regions));
      totals.parsed += parsed;
      totals.rejected += rejected;
    }
    // Both outcomes happen: the mutations reach the parsers' checks, and intact structures still parse.
    expect(totals.rejected).toBeGreaterThan(0);
    expect(totals.parsed).toBeGreaterThan(totals.rejected);
  });

  it('inspect on 150 mutated and truncated copies: a report or an IsoforgeError, never a hang or a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoforge-fuzz-'));
    const original = await head('/usr/lib/grub-rescue/grub-rescue-cdrom.iso', 4 * MEGABYTE);
    const random = prng(3);
    for (let i = 0; i < 150; i++) {
      const length = i % 3 === 0 ? Math.floor(random() * original.length) : original.length;
      const file = join(dir, 'fuzz.iso');
      await writeFile(file, mutate(original, random, [[16 * 2048, 80 * 2048]]).subarray(0, length));
      try {
        const report = await inspectIso(file);
        expect(report.bytesRead).toBeLessThanOrEqual(report.sizeBytes * 64);
      } catch (error) {
        if (!(error instanceof IsoforgeError)) throw error;
      }
    }
  });
});
