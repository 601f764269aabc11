import { mkdir, mkdtemp, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LayerResult } from '../../../src/layer/customize.ts';
import { readLayerDigest } from '../../../src/cache/layer-digest.ts';
import { describeNotReproducible, LayerRecords } from '../../../src/cache/layer-records.ts';
import { runMksquashfs } from '../../../src/tools/squashfs.ts';

const KEY = 'a'.repeat(64);
let dir: string;

/** A real layer squashfs (mksquashfs) of a tree with a file, a link and a folder; RANDOM is the id file's content. */
async function makeLayer(name: string, random: string): Promise<LayerResult> {
  const tree = join(dir, `${name}-tree`);
  await mkdir(join(tree, 'etc/oem'), { recursive: true });
  await writeFile(join(tree, 'etc/hostname'), 'oem\n');
  await writeFile(join(tree, 'etc/random-id'), random);
  await symlink('/etc/hostname', join(tree, 'etc/name'));
  const squashfs = join(dir, `${name}.squashfs`);
  await runMksquashfs(tree, squashfs, { algorithm: 'gzip' }, { sourceDateEpoch: 1700000000 });
  const changed = ['/etc/hostname', '/etc/name', '/etc/oem', '/etc/random-id', '/etc/removed'];
  return { name: 'base', squashfs, changed } as LayerResult;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-layer-records-'));
});

describe('readLayerDigest', () => {
  it('digests each changed path of a real squashfs by what it holds; a missing path is absent', async () => {
    const layer = await makeLayer('a', 'one');
    const digest = await readLayerDigest(layer.squashfs, layer.changed);
    expect(digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(digest.paths)).toEqual(layer.changed);
    expect(digest.paths['/etc/removed']).toBe('absent');
    expect(new Set(Object.values(digest.paths)).size).toBe(5);
  });
});

describe('LayerRecords', () => {
  it('compares a layer with the record of the last build of its key and names the files that differ', async () => {
    const records = new LayerRecords(join(dir, 'cache'));
    expect(await records.compare(KEY, await makeLayer('a', 'one'))).toBeUndefined();
    const same = await records.compare(KEY, await makeLayer('b', 'one'));
    expect(same).toMatchObject({ identical: true, differingFiles: [] });
    const other = await records.compare(KEY, await makeLayer('c', 'two'));
    expect(other).toMatchObject({ identical: false, differingFiles: ['/etc/random-id'] });
    expect(describeNotReproducible('base', { ...other!, comparedWith: '2024-05-01T10:20:30.123Z' })).toBe(
      'layer base is not reproducible: 1 file differs from the build of 2024-05-01 10:20:30 UTC with the same inputs: /etc/random-id (see the report)',
    );
  });

  it('keeps only the newest records past its count', async () => {
    const records = new LayerRecords(join(dir, 'cache'), 2);
    const layer = await makeLayer('a', 'one');
    for (const [index, key] of ['1', '2', '3'].entries()) {
      await records.compare(key.repeat(64), layer);
      const when = new Date(Date.now() - (10 - index) * 60_000);
      await utimes(join(records.dir, `${key.repeat(64)}.json`), when, when);
    }
    expect((await readdir(records.dir)).sort()).toEqual([`${'2'.repeat(64)}.json`, `${'3'.repeat(64)}.json`]);
  });
});
