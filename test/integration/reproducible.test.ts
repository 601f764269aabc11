import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { acquireWorkLock } from '../../src/safety/lock.ts';
import { runIsoforge } from '../support/cli.ts';
import { listLayerDifferences } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';

const BASE = 'ubuntu-server-minimal';
const TOP = 'ubuntu-server-minimal.ubuntu-server';
const TIMEOUT = 600_000;
const EPOCH = '1700000000';
let dir: string;
let cacheDir: string;

// Each layer's steps run a program: the layer cache keeps only such layers (or full repacks).
const RECIPE = (medium = '') => `input: sample.iso
output: out.iso
${medium}layers:
  ${BASE}:
    steps:
      - file: { dest: /etc/isoforge-base, content: "base layer\\n" }
      - run: echo base > /etc/isoforge-base-run
  ${TOP}:
    steps:
      - copy: { src: files/oem.conf, dest: /etc/oem.conf, mode: "0644" }
      - run: |
          mkdir -p /opt/oem && echo built > /opt/oem/release
`;

interface BuildJson {
  output: string;
  cached: 'build' | false;
  layers: {
    name: string;
    cached: boolean;
    key?: string;
    reproducibility: { identical: boolean; differingFiles: string[] } | null;
  }[];
}

/** One build with a fixed SOURCE_DATE_EPOCH and a private layer cache; returns its JSON and the ISO's sha256. */
async function build(recipe: string, out: string, ...flags: string[]) {
  const result = await runIsoforge(
    ['build', join(dir, recipe), '--out', join(dir, out), '--workdir', join(dir, 'work'), '--json', ...flags],
    { env: { SOURCE_DATE_EPOCH: EPOCH, ISOFORGE_CACHE_DIR: dirname(cacheDir), ISOFORGE_NO_CACHE: '' } },
  );
  expect(result.stderr + result.stdout, 'build failed').toContain('"output"');
  expect(result.exitCode).toBe(0);
  const json = JSON.parse(result.stdout) as BuildJson;
  return { json, sha: await sha256(join(dir, out)), stderr: result.stderr };
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** What two ISOs differ in: the medium's files (`isoforge diff`), then the entries of each layer. */
async function describeDifference(a: string, b: string): Promise<string> {
  const diff = await runIsoforge(['diff', join(dir, a), join(dir, b)]);
  const layers = [];
  for (const layer of [BASE, TOP]) {
    const entries = await listLayerDifferences(join(dir, a), join(dir, b), layer);
    layers.push(`${layer}: ${entries.length ? `\n${entries.join('\n')}` : 'the same entries'}`);
  }
  return `${a} and ${b} differ:\n${diff.stdout}${diff.stderr}\n${layers.join('\n')}`;
}

const cachedOf = (json: BuildJson) => Object.fromEntries(json.layers.map((l) => [l.name, l.cached]));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-repro-'));
  cacheDir = join(dir, 'cache', 'layers');
  await writeFile(join(dir, 'sample.iso'), await readFile(await ensureSampleIso()));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/oem.conf'), 'oem = 1\n');
  await writeFile(join(dir, 'recipe.yaml'), RECIPE());
  await writeFile(
    join(dir, 'medium-only.yaml'),
    RECIPE('volumeId: OEM_MEDIUM\niso:\n  diskInfo: the same layers, another medium\n'),
  );
}, TIMEOUT);

describe('reproducible builds and the layer cache', () => {
  let first: Awaited<ReturnType<typeof build>>;

  it(
    'two builds of the same inputs with SOURCE_DATE_EPOCH write byte-identical ISOs',
    async () => {
      first = await build('recipe.yaml', 'a.iso', '--no-cache');
      const second = await build('recipe.yaml', 'b.iso', '--no-cache');
      expect(first.json.layers.map((l) => l.cached)).toEqual([false, false]);
      if (first.sha !== second.sha) expect.fail(await describeDifference('a.iso', 'b.iso'));
      expect(second.sha).toBe(first.sha);
      // The second build compared each layer with the first one's record and names nothing.
      const same = { identical: true, differingFiles: [] };
      expect(second.json.layers.map((l) => l.reproducibility)).toMatchObject([same, same]);
      expect(second.stderr).not.toContain('is not reproducible');
    },
    TIMEOUT,
  );

  it(
    'a cache miss stores both layers; the next build reuses them and writes the same bytes',
    async () => {
      const miss = await build('recipe.yaml', 'miss.iso');
      expect(cachedOf(miss.json)).toEqual({ [BASE]: false, [TOP]: false });
      // Without the finished build the build cache keeps, the layer cache alone answers.
      await rm(join(cacheDir, 'builds'), { recursive: true, force: true });
      const hit = await build('recipe.yaml', 'hit.iso');
      expect(hit.json.cached).toBe(false);
      expect(cachedOf(hit.json)).toEqual({ [BASE]: true, [TOP]: true });
      expect(hit.json.layers.map((l) => l.key)).toEqual(miss.json.layers.map((l) => l.key));
      if (hit.sha !== first.sha) expect.fail(await describeDifference('a.iso', 'hit.iso'));
      expect(miss.sha).toBe(first.sha);
    },
    TIMEOUT,
  );

  it(
    'a change to the medium only (volume id, .disk/info) reuses every layer',
    async () => {
      const medium = await build('medium-only.yaml', 'medium.iso');
      expect(cachedOf(medium.json)).toEqual({ [BASE]: true, [TOP]: true });
      expect(medium.sha).not.toBe(first.sha);
    },
    TIMEOUT,
  );

  it(
    'a changed copy source rebuilds the layer that copies it, not the one below',
    async () => {
      await writeFile(join(dir, 'files/oem.conf'), 'oem = 2\n');
      const changed = await build('recipe.yaml', 'changed.iso');
      expect(cachedOf(changed.json)).toEqual({ [BASE]: true, [TOP]: false });
      await writeFile(join(dir, 'files/oem.conf'), 'oem = 1\n');
    },
    TIMEOUT,
  );

  it(
    'clean --cache is refused while a build holds the cache, then empties it',
    async () => {
      const env = { ISOFORGE_CACHE_DIR: dirname(cacheDir) };
      const lock = await acquireWorkLock(cacheDir);
      const refused = await runIsoforge(['clean', '--cache'], { env });
      await lock[Symbol.asyncDispose]();
      expect(refused.exitCode).toBe(ExitCode.locked);
      expect(refused.stderr).toContain(`the layer cache ${cacheDir} is in use by a build`);
      const cleaned = await runIsoforge(['clean', '--cache'], { env });
      expect(cleaned.exitCode).toBe(0);
      expect(cleaned.stdout).toContain(`emptied the layer cache ${cacheDir}: 3 layers`);
      expect((await readdir(cacheDir)).filter((name) => /^[0-9a-f]{64}$/.test(name))).toEqual([]);
      expect(await readdir(cacheDir)).not.toContain('records');
    },
    TIMEOUT,
  );
});
