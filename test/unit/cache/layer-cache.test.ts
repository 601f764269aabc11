import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import type { LayerResult } from '../../../src/layer/customize.ts';
import { LayerCache, parseSize } from '../../../src/cache/layer-cache.ts';
import { canonicalJson } from '../../../src/cache/layer-key.ts';
import { readSourceDateEpoch } from '../../../src/pipeline/config.ts';
import { WorkDir } from '../../../src/pipeline/work-dir.ts';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
let dir: string;

/** A finished layer as customizeLayer returns it, with a squashfs of BYTES bytes. */
async function makeResult(name: string, bytes: number): Promise<LayerResult> {
  const squashfs = join(dir, `${name}.squashfs`);
  await writeFile(squashfs, Buffer.alloc(bytes, name));
  const plan = { isoPaths: { squashfs: `/casper/${name}.squashfs` } } as LayerResult['plan'];
  return {
    plan,
    name,
    squashfs,
    manifest: 'bash\t5.2\n',
    sizeBytes: 4096,
    squashfsBytes: bytes,
    changed: ['/etc/oem'],
    cleaned: [],
    shadowed: [],
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-layer-cache-'));
});

describe('LayerCache', () => {
  it('restores a stored layer into the work tree: the same bytes, manifest and lists, marked cached', async () => {
    const cache = new LayerCache(join(dir, 'cache'), 1024 ** 2);
    const result = await makeResult('top', 1000);
    await cache.store(KEY_A, result, () => {});
    const workDir = new WorkDir(join(dir, 'work'));
    const hit = await cache.restore(KEY_A, result.plan, workDir);
    expect(hit?.squashfs).toBe(workDir.newFile('/casper/top.squashfs'));
    expect(await readFile(hit?.squashfs ?? '')).toEqual(await readFile(result.squashfs));
    expect(hit).toMatchObject({
      cached: true,
      cacheKey: KEY_A,
      manifest: 'bash\t5.2\n',
      changed: ['/etc/oem'],
    });
    expect(await cache.restore(KEY_B, result.plan, workDir)).toBeUndefined();
  });

  it('evicts the least recently used entry when a new one passes the limit', async () => {
    const cache = new LayerCache(join(dir, 'cache'), 2500);
    const said: string[] = [];
    await cache.store(KEY_A, await makeResult('old', 1000), (line) => said.push(line));
    await cache.store('c'.repeat(64), await makeResult('used', 1000), (line) => said.push(line));
    // The first entry was used longest ago; the second was just read by a build.
    await utimes(join(cache.dir, KEY_A), new Date(1_000_000), new Date(1_000_000));
    await cache.store(KEY_B, await makeResult('new', 1000), (line) => said.push(line));
    const keys = (await readdir(cache.dir)).filter((name) => /^[0-9a-f]{64}$/.test(name)).sort();
    expect(keys).toEqual([KEY_B, 'c'.repeat(64)]);
    expect(said).toEqual([`layer cache: evicted ${KEY_A.slice(0, 12)} (least recently used)`]);
  });

  it('makes room for an incoming ISO ahead of its store: the least recently used go, nothing of them is left', async () => {
    const cache = new LayerCache(join(dir, 'cache'), 2500);
    await cache.store(KEY_A, await makeResult('old', 1000), () => {});
    await cache.store(KEY_B, await makeResult('used', 1000), () => {});
    await utimes(join(cache.dir, KEY_A), new Date(1_000_000), new Date(1_000_000));
    const free = 2500 - (await cache.list()).reduce((sum, entry) => sum + entry.bytes, 0);
    expect(await cache.makeRoom(free)).toEqual([]);
    expect(await cache.makeRoom(free + 1)).toEqual([KEY_A.slice(0, 12)]);
    expect(await readdir(cache.dir)).toEqual(expect.arrayContaining([KEY_B]));
    expect(
      (await readdir(cache.dir)).filter((name) => name === KEY_A || name.startsWith('.evicted-')),
    ).toEqual([]);
  });

  it('clear removes every entry and says how many bytes', async () => {
    const cache = new LayerCache(join(dir, 'cache'), 1024 ** 2);
    await cache.store(KEY_A, await makeResult('one', 300), () => {});
    const cleared = await cache.clear();
    expect(cleared.entries).toBe(1);
    expect(cleared.bytes).toBeGreaterThan(300);
    expect((await cache.list()).length).toBe(0);
    expect((await stat(join(cache.dir, '.isoforge'))).isDirectory()).toBe(true);
  });
});

describe('parseSize', () => {
  it('reads sizes as a person writes them', () => {
    expect(parseSize('20G', 'x')).toBe(20 * 1024 ** 3);
    expect(parseSize('512MiB', 'x')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5k', 'x')).toBe(1536);
    expect(parseSize('4096', 'x')).toBe(4096);
  });

  it('names the setting and the fix for a non-size', () => {
    expect(() => parseSize('lots', 'ISOFORGE_CACHE_LIMIT')).toThrow(
      new InputError("ISOFORGE_CACHE_LIMIT: 'lots' is not a size", {
        hint: 'write it like 20G, 512M or 1073741824',
      }),
    );
  });
});

describe('canonicalJson', () => {
  it('gives the same text whatever the key order, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [2, { e: 0, f: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
});

describe('readSourceDateEpoch', () => {
  it('is unset for an unset or empty variable and a number for decimal seconds', () => {
    expect(readSourceDateEpoch(undefined)).toBeUndefined();
    expect(readSourceDateEpoch('')).toBeUndefined();
    expect(readSourceDateEpoch('1700000000')).toBe(1700000000);
  });

  it('refuses anything else with exit 2', () => {
    expect(() => readSourceDateEpoch('yesterday')).toThrow(
      "SOURCE_DATE_EPOCH='yesterday' is not a time in seconds since 1970",
    );
    expect(() => readSourceDateEpoch('-5')).toThrow(InputError);
  });
});
