import { copyFile, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { isoFileBytes } from '../support/iso-file.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TOP = 'ubuntu-server-minimal.ubuntu-server';
const DAMAGED = '/casper/vmlinuz';
let dir: string;

/** Where FILE's data starts in ISO, as xorriso reports it (an independent reader). */
async function dataOffset(iso: string, file: string): Promise<number> {
  const { stdout } = await runCommand(['xorriso', '-indev', iso, '-find', file, '-exec', 'report_lba']);
  const lba = /File data lba:\s*\d+\s*,\s*(\d+)/.exec(stdout)?.[1];
  if (!lba) throw new Error(`xorriso reports no extent for ${file}: ${stdout}`);
  return Number(lba) * 2048;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-damaged-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an input whose checksum file does not match its own files', () => {
  it('is reported, naming the file, before anything is published', async () => {
    const input = join(dir, 'damaged.iso');
    await copyFile(await ensureSampleIso(), input);
    // One byte of a file the build leaves alone, flipped in the copy: md5sum.txt no longer matches it.
    const at = (await dataOffset(input, DAMAGED)) + 4096;
    const handle = await open(input, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, at);
    await handle.close();
    const before = await isoFileBytes(input, DAMAGED);
    await writeFile(
      join(dir, 'recipe.yaml'),
      `input: damaged.iso\noutput: out/new.iso\nlayers:\n  ${TOP}:\n    steps:\n      - file: { dest: /etc/isoforge-note, content: "x\\n" }\n`,
    );
    const run = await runIsoforge(['build', join(dir, 'recipe.yaml'), '--workdir', join(dir, 'work')]);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /md5sum\.txt: \.\/casper\/vmlinuz differs from the input's own md5sum\.txt: the input is damaged/,
    );
    expect(run.stderr).toContain('nothing was written');
    expect(await readdir(join(dir, 'out')).catch(() => [])).toEqual([]);
    expect((await isoFileBytes(input, DAMAGED)).equals(before)).toBe(true);
  }, 600_000);
});
