import { randomBytes } from 'node:crypto';
import { mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { GrowingFileHasher } from '../../../src/safety/growing-file-hash.ts';
import { runCommand } from '../../../src/tools/exec.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-growing-hash-'));
});

/** Writes SIZE random bytes to FILE front to back in uneven pieces, pausing between them, as a writer would. */
async function writeSlowly(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let done = 0; done < size;) {
      const piece = Math.min(size - done, 700_001);
      await handle.write(randomBytes(piece), 0, piece, done);
      done += piece;
      await sleep(5);
    }
  } finally {
    await handle.close();
  }
}

/** The reference: coreutils over the byte range, cut out by dd. */
async function coreutilsDigest(file: string, algorithm: 'md5' | 'sha256', start: number, length: number) {
  const { stdout } = await runCommand([
    'sh',
    '-c',
    `dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip=${start} count=${length} status=none | ${algorithm}sum`,
    'sh',
    file,
  ]);
  return stdout.split(' ')[0];
}

describe('GrowingFileHasher', () => {
  it('hashes ranges of a file while it is written, as coreutils hashes the finished file', async () => {
    const file = join(dir, 'growing.bin');
    const size = 9 * 1024 * 1024 + 123;
    const ranges = [{ start: 4096, length: 2_000_000 }, { start: 3 * 1024 * 1024 }];
    const hasher = new GrowingFileHasher(file, ranges, ['md5', 'sha256']);
    await writeSlowly(file, size);
    const [first, rest] = await hasher.finish(size);
    for (const algorithm of ['md5', 'sha256'] as const) {
      expect(first?.digests[algorithm]).toBe(await coreutilsDigest(file, algorithm, 4096, 2_000_000));
      expect(rest?.digests[algorithm]).toBe(
        await coreutilsDigest(file, algorithm, 3 * 1024 * 1024, size - 3 * 1024 * 1024),
      );
    }
    expect(rest?.length).toBe(size - 3 * 1024 * 1024);
  });

  it('fails when the file ends before a range does', async () => {
    const file = join(dir, 'short.bin');
    const hasher = new GrowingFileHasher(file, [{ start: 0, length: 5000 }], ['md5']);
    await writeSlowly(file, 1000);
    await expect(hasher.finish(1000)).rejects.toThrow(/ends at 1000, before byte 5000/);
  });
});
