import { mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneUnusedSamples } from '../../../src/sample/cache.ts';
import { ensureCachedLayers } from '../../../src/sample/layer-cache.ts';
import type { BuiltLayer } from '../../../src/sample/layers.ts';

let root: string;
// cacheDir() is ISOFORGE_CACHE_DIR, else XDG_CACHE_HOME/isoforge: this test points the first at a
// folder of its own (a cold run sets it for the whole suite).
const savedCache = process.env.ISOFORGE_CACHE_DIR;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'isoforge-layer-cache-'));
  process.env.ISOFORGE_CACHE_DIR = join(root, 'cache', 'isoforge');
});
afterEach(() => {
  if (savedCache === undefined) delete process.env.ISOFORGE_CACHE_DIR;
  else process.env.ISOFORGE_CACHE_DIR = savedCache;
});

async function writeLayer(casper: string, name: string): Promise<BuiltLayer> {
  await writeFile(join(casper, `${name}.squashfs`), `squashfs of ${name}`);
  await writeFile(join(casper, `${name}.manifest`), 'less\t590\n');
  await writeFile(join(casper, `${name}.size`), '4096\n');
  const squashfs = join(casper, `${name}.squashfs`);
  return { name, squashfs, manifest: 'less\t590\n', fullManifest: 'less\t590\n', sizeBytes: 4096 };
}

describe('ensureCachedLayers', () => {
  it('builds once, then copies the layers and their sidecars into the next tree without building', async () => {
    const first = join(root, 'first/casper');
    const second = join(root, 'second/casper');
    await Promise.all([mkdir(first, { recursive: true }), mkdir(second, { recursive: true })]);
    let builds = 0;
    const build = async () => {
      builds += 1;
      return [await writeLayer(first, 'a'), await writeLayer(first, 'a.b')];
    };
    const built = await ensureCachedLayers('0123456789ab', first, build);
    const copied = await ensureCachedLayers('0123456789ab', second, build);
    expect(builds).toBe(1);
    expect(copied.map((layer) => [layer.name, layer.sizeBytes, layer.squashfs])).toEqual([
      ['a', 4096, join(second, 'a.squashfs')],
      ['a.b', 4096, join(second, 'a.b.squashfs')],
    ]);
    expect(copied.map((layer) => layer.fullManifest)).toEqual(built.map((layer) => layer.fullManifest));
    expect(await readFile(join(second, 'a.b.squashfs'), 'utf8')).toBe('squashfs of a.b');
    expect(await readFile(join(second, 'a.size'), 'utf8')).toBe('4096\n');
  });
});

describe('pruneUnusedSamples', () => {
  it('removes samples and layer folders of other keys and the old format once unused for a day, keeping the named ones', async () => {
    const cache = join(root, 'cache/isoforge');
    const dayAgo = (Date.now() - 25 * 3600 * 1000) / 1000;
    const entries = {
      old: ['layers-v2', 'sample-v3.iso', 'sample-aaaaaaaaaaaa.iso', 'sample-aaaaaaaaaaaa-secureboot.iso'],
      fresh: ['sample-bbbbbbbbbbbb.iso', 'layers-bbbbbbbbbbbb'],
      kept: ['sample-cccccccccccc.iso', 'layers-cccccccccccc'],
      other: ['other-v1.iso', 'debs'],
    };
    await mkdir(cache, { recursive: true });
    for (const name of Object.values(entries).flat()) {
      if (name.startsWith('layers-') || name === 'debs') await mkdir(join(cache, name));
      else await writeFile(join(cache, name), '');
      if (!entries.fresh.includes(name)) await utimes(join(cache, name), dayAgo, dayAgo);
    }
    const removed = await pruneUnusedSamples(entries.kept);
    expect(removed.map((path) => path.slice(cache.length + 1)).sort()).toEqual([...entries.old].sort());
    expect((await readdir(cache)).sort()).toEqual(
      [...entries.fresh, ...entries.kept, ...entries.other].sort(),
    );
  });
});
