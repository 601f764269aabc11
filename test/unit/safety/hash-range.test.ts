import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.ts';
import { hashFileRange } from '../../../src/safety/hash-range.ts';

let dir: string;
let file: string;
// More than two 4 MiB chunks, not a multiple of one.
const bytes = randomBytes(9 * 1024 * 1024 + 17);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-hash-range-'));
  file = join(dir, 'range.bin');
  await writeFile(file, bytes);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const digestOf = (part: Uint8Array, algorithm = 'sha256') => createHash(algorithm).update(part).digest('hex');

describe('hashFileRange', () => {
  it('hashes a byte range of a file by path, across chunk boundaries', async () => {
    const start = 1000;
    const length = bytes.length - 2000;
    expect(await hashFileRange(file, start, length)).toBe(digestOf(bytes.subarray(start, start + length)));
    expect(await hashFileRange(file, 0, bytes.length, 'md5')).toBe(digestOf(bytes, 'md5'));
  });

  it('hashes through an open reader (an IsoImage) the same way', async () => {
    const reader = {
      readRange: async (offset: number, length: number) => bytes.subarray(offset, offset + length),
    };
    expect(await hashFileRange(reader, 5, 5_000_000, 'sha1')).toBe(
      digestOf(bytes.subarray(5, 5_000_005), 'sha1'),
    );
  });

  it('gives the empty digest for an empty range', async () => {
    expect(await hashFileRange(file, 10, 0)).toBe(digestOf(new Uint8Array(0)));
  });

  it('refuses a range past the end of the file instead of hashing less', async () => {
    await expect(hashFileRange(file, bytes.length - 10, 20)).rejects.toThrow(FormatError);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(hashFileRange(file, 0, bytes.length, 'sha256', controller.signal)).rejects.toThrow();
  });
});
