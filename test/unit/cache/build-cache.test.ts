import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { BuildCache } from '../../../src/cache/build-cache.ts';
import { LayerCache } from '../../../src/cache/layer-cache.ts';
import { makeLayerKey } from '../../../src/cache/layer-key.ts';
import type { LayerPlan } from '../../../src/layer/plan.ts';
import type { ReportData } from '../../../src/report/model.ts';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
let dir: string;

/** A finished ISO of BYTES bytes and the report data a build keeps with it. */
async function makeBuild(name: string, bytes: number) {
  const iso = join(dir, `${name}.iso`);
  await writeFile(iso, Buffer.alloc(bytes, name));
  const report = {
    createdAt: '2026-01-02T03:04:05.000Z',
    boots: [],
    output: { path: iso },
  } as unknown as ReportData;
  return { iso, report, layers: [{ name: 'top', key: KEY_B }] };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-build-cache-'));
});

describe('BuildCache', () => {
  it('links the stored ISO to the target, read-only, with the report data and layers it kept', async () => {
    const cache = new BuildCache(new LayerCache(join(dir, 'cache'), 1024 ** 2));
    const build = await makeBuild('one', 3000);
    await cache.store(KEY_A, build, () => {});
    const target = join(dir, 'again.iso');
    const hit = await cache.restore(KEY_A, target);
    expect(hit?.stored).toMatchObject({ key: KEY_A, builtAt: build.report.createdAt, layers: build.layers });
    expect(hit?.report).toEqual(build.report);
    expect((await stat(target)).ino).toBe((await stat(build.iso)).ino);
    expect((await stat(target)).mode & 0o777).toBe(0o444);
    expect(await cache.restore(KEY_B, join(dir, 'none.iso'))).toBeUndefined();
  });

  it('is a miss, and the entry is gone, once the stored ISO was written through a link', async () => {
    const cache = new BuildCache(new LayerCache(join(dir, 'cache'), 1024 ** 2));
    const build = await makeBuild('one', 3000);
    await cache.store(KEY_A, build, () => {});
    // The output shares the stored bytes: an in-place edit of it changes the cached file.
    await writeFile(build.iso, Buffer.alloc(3000, 'x'));
    expect(await cache.restore(KEY_A, join(dir, 'again.iso'))).toBeUndefined();
    expect(await readdir(cache.dir)).toEqual([]);
  });

  it('is evicted by the layer cache limit, least recently used first, and counted by clear', async () => {
    const layers = new LayerCache(join(dir, 'cache'), 5000);
    const cache = new BuildCache(layers);
    const said: string[] = [];
    await cache.store(KEY_A, await makeBuild('old', 3000), (line) => said.push(line));
    await utimes(join(cache.dir, KEY_A), new Date(1_000_000), new Date(1_000_000));
    await cache.store(KEY_B, await makeBuild('new', 3000), (line) => said.push(line));
    expect(await readdir(cache.dir)).toEqual([KEY_B]);
    expect(said).toEqual([`layer cache: evicted build ${KEY_A.slice(0, 12)} (least recently used)`]);
    const cleared = await layers.clear();
    expect(cleared).toMatchObject({ entries: 0, builds: 1 });
    expect(cleared.bytes).toBeGreaterThan(3000);
  });
});

describe('makeLayerKey', () => {
  it('differs between a reuse and a full repack of the same layer and recipe', async () => {
    const file = join(dir, 'layer.squashfs');
    await writeFile(file, 'squashfs bytes');
    const extent = { name: 'top', file, offset: 0, size: 0 };
    const plan = (repack: 'reuse' | 'full') =>
      ({
        layer: { name: 'top' },
        extent,
        ancestors: [],
        above: [],
        recipe: { steps: [], allowShadowed: false, repack },
        trustsPoolKey: false,
        compression: { algorithm: 'xz', blockSize: 131072 },
        repack,
        isoPaths: { squashfs: '/casper/top.squashfs' },
      }) as unknown as LayerPlan;
    const inputs = {
      recipeDir: dir,
      extraSteps: [],
      rebuiltKeys: new Map(),
      memoFile: join(dir, 'memo.json'),
    };
    const reuse = await makeLayerKey(plan('reuse'), inputs);
    expect(reuse).toMatch(/^[0-9a-f]{64}$/);
    expect(await makeLayerKey(plan('reuse'), inputs)).toBe(reuse);
    expect(await makeLayerKey(plan('full'), inputs)).not.toBe(reuse);
    expect(JSON.parse(await readFile(join(dir, 'memo.json'), 'utf8'))).not.toEqual({});
  });
});
