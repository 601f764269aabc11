import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

let dir: string;

async function corruptCopy(name: string, offset: number, bytes: number[], length?: number): Promise<string> {
  const source = await readFile(await ensureSampleIso());
  const copy = Uint8Array.from(length === undefined ? source : source.subarray(0, length));
  copy.set(bytes, offset);
  const file = join(dir, name);
  await writeFile(file, copy);
  return file;
}

async function catalogOffset(): Promise<number> {
  const handle = await open(await ensureSampleIso(), 'r');
  const sector = new Uint8Array(2048);
  await handle.read(sector, 0, 2048, 17 * 2048);
  await handle.close();
  return new DataView(sector.buffer).getUint32(71, true) * 2048;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-bad-'));
  await writeFile(join(dir, 'empty.iso'), '');
  await writeFile(join(dir, 'notes.txt'), 'this is not an ISO\n'.repeat(4000));
});

describe('inspect on bad input: one clear line, exit 2, no stack trace', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['an empty file', async () => join(dir, 'empty.iso'), /is not an ISO image: only 0 bytes/],
    ['a text file', async () => join(dir, 'notes.txt'), /is not an ISO image: no ISO 9660 volume descriptor/],
    ['a truncated ISO', () => corruptCopy('truncated.iso', 0, [], 40 * 2048), /is truncated/],
    [
      'a corrupt boot catalog',
      async () => corruptCopy('catalog.iso', await catalogOffset(), [0x07]),
      /El Torito boot catalog is corrupt/,
    ],
    [
      'a GPT whose CRC does not match',
      () => corruptCopy('gpt.iso', 512 + 40, [0x55]),
      /GPT header CRC does not match/,
    ],
    ['a directory', async () => dir, /is a directory, not an ISO image/],
    ['a missing path', async () => join(dir, 'missing.iso'), /does not exist/],
  ];
  it.each(cases)('%s', async (_name, makeInput, message) => {
    const run = await runIsoforge(['inspect', await makeInput()]);
    expect(run.exitCode).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^isoforge: error: /);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
