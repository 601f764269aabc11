import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../src/report/model.ts';
import { extractFromIso } from '../../src/tools/xorriso.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TOP = 'ubuntu-server-minimal.ubuntu-server';
const TIMEOUT = 600_000;
let dir: string;
let cacheDir: string;

const RECIPE = (volumeId: string, input = 'sample.iso') => `input: ${input}
output: out.iso
volumeId: ${volumeId}
layers:
  ${TOP}:
    steps:
      - copy: { src: files/oem.conf, dest: /etc/oem.conf, mode: "0644" }
`;

interface BuildJson {
  output: string;
  cached: 'build' | false;
  key?: string;
  layers: { name: string; cached: boolean }[];
  timings: { title: string }[];
}

/** One build into OUT (a new folder each time) with a private cache; its JSON, the ISO's sha256 and report data. */
async function build(recipe: string, out: string, ...flags: string[]) {
  await mkdir(join(dir, out, '..'), { recursive: true });
  const result = await runIsoforge(
    ['build', join(dir, recipe), '--out', join(dir, out), '--workdir', join(dir, 'work'), '--json', ...flags],
    {
      env: { SOURCE_DATE_EPOCH: '1700000000', ISOFORGE_CACHE_DIR: dirname(cacheDir), ISOFORGE_NO_CACHE: '' },
    },
  );
  expect(result.stderr + result.stdout, 'build failed').toContain('"output"');
  expect(result.exitCode).toBe(0);
  const report = JSON.parse(
    await readFile(join(dir, out.replace(/\.iso$/, '.report.json')), 'utf8'),
  ) as ReportData;
  return { json: JSON.parse(result.stdout) as BuildJson, sha: await sha256(join(dir, out)), report };
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function buildEntries(): Promise<string[]> {
  return (await readdir(join(cacheDir, 'builds')).catch(() => [] as string[])).filter(
    (n) => !n.startsWith('.'),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-build-cache-'));
  cacheDir = join(dir, 'cache', 'layers');
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/oem.conf'), 'oem = 1\n');
  await writeFile(join(dir, 'recipe.yaml'), RECIPE('OEM_ONE'));
  await writeFile(join(dir, 'other-volume.yaml'), RECIPE('OEM_TWO'));
  await writeFile(join(dir, 'other-input.yaml'), RECIPE('OEM_ONE', 'first/out.iso'));
}, TIMEOUT);

describe('the build cache: an unchanged build is up to date', () => {
  let first: Awaited<ReturnType<typeof build>>;

  it(
    'an unchanged rebuild into a new folder is served from the cache: the same bytes, the same report',
    async () => {
      first = await build('recipe.yaml', 'first/out.iso');
      expect(first.json.cached).toBe(false);
      expect(await buildEntries()).toHaveLength(1);
      const again = await build('recipe.yaml', 'again/out.iso');
      expect(again.json).toMatchObject({ cached: 'build', key: (await buildEntries())[0] });
      expect(again.json.layers).toEqual([
        { name: TOP, cached: true, key: expect.any(String), reproducibility: null },
      ]);
      expect(again.json.timings.map((t) => t.title)).toEqual(['look up the build cache']);
      expect(again.sha).toBe(first.sha);
      expect((await stat(join(dir, 'again/out.iso'))).ino).toBe((await stat(join(dir, 'first/out.iso'))).ino);
      const paths = (folder: string) => ({
        htmlPath: join(dir, folder, 'out.report.html'),
        output: { ...first.report.output, path: join(dir, folder, 'out.iso') },
      });
      expect(again.report).toEqual({
        ...first.report,
        ...paths('again'),
        diff: { ...first.report.diff, b: { ...first.report.diff.b, path: join(dir, 'again/out.iso') } },
        buildCache: { key: again.json.key, builtAt: first.report.createdAt },
      });
      const html = await readFile(join(dir, 'again/out.report.html'), 'utf8');
      expect(html).toContain(`up to date: from the build cache (key ${again.json.key?.slice(0, 12)}`);
    },
    TIMEOUT,
  );

  it(
    'says so in one line without --json',
    async () => {
      await mkdir(join(dir, 'plain'));
      const run = await runIsoforge(
        [
          'build',
          join(dir, 'recipe.yaml'),
          '--out',
          join(dir, 'plain/out.iso'),
          '--workdir',
          join(dir, 'work'),
        ],
        {
          env: {
            SOURCE_DATE_EPOCH: '1700000000',
            ISOFORGE_CACHE_DIR: dirname(cacheDir),
            ISOFORGE_NO_CACHE: '',
          },
        },
      );
      expect(run.exitCode).toBe(0);
      const key = (await buildEntries())[0] ?? '';
      // execa drops the last newline.
      expect(run.stdout).toBe(
        `up to date: ${join(dir, 'plain/out.iso')} from the build cache (key ${key.slice(0, 12)}, built and verified at ${first.report.createdAt})\n` +
          `report: ${join(dir, 'plain/out.report.html')}`,
      );
    },
    TIMEOUT,
  );

  it(
    'a changed volume id, step input file or input ISO is a miss',
    async () => {
      const volume = await build('other-volume.yaml', 'volume/out.iso');
      expect(volume.json.cached).toBe(false);
      await writeFile(join(dir, 'files/oem.conf'), 'oem = 2\n');
      const file = await build('recipe.yaml', 'file/out.iso');
      expect(file.json.cached).toBe(false);
      expect(file.sha).not.toBe(first.sha);
      await writeFile(join(dir, 'files/oem.conf'), 'oem = 1\n');
      const input = await build('other-input.yaml', 'input/out.iso');
      expect(input.json.cached).toBe(false);
      expect(await buildEntries()).toHaveLength(4);
    },
    TIMEOUT,
  );

  it(
    'an output edited in place through the link makes the next build a miss that builds it again',
    async () => {
      const handle = await open(join(dir, 'again/out.iso'), 'r+');
      await handle.write(Buffer.from('edited'), 0, 6, 40_000);
      await handle.close();
      const rebuilt = await build('recipe.yaml', 'rebuilt/out.iso');
      expect(rebuilt.json.cached).toBe(false);
      expect(rebuilt.sha).toBe(first.sha);
      expect((await build('recipe.yaml', 'after/out.iso')).json.cached).toBe('build');
    },
    TIMEOUT,
  );

  it(
    '--no-cache neither reads nor writes the build cache',
    async () => {
      const before = await buildEntries();
      const used = await Promise.all(
        before.map(async (k) => (await stat(join(cacheDir, 'builds', k))).mtimeMs),
      );
      const uncached = await build('recipe.yaml', 'uncached/out.iso', '--no-cache');
      expect(uncached.json.cached).toBe(false);
      expect(uncached.json.timings.map((t) => t.title)).toContain(`customize layer ${TOP}`);
      expect(uncached.sha).toBe(first.sha);
      expect(await buildEntries()).toEqual(before);
      expect(
        await Promise.all(before.map(async (k) => (await stat(join(cacheDir, 'builds', k))).mtimeMs)),
      ).toEqual(used);
    },
    TIMEOUT,
  );

  it(
    'clean --cache removes the finished builds too',
    async () => {
      const count = (await buildEntries()).length;
      const cleaned = await runIsoforge(['clean', '--cache'], {
        env: { ISOFORGE_CACHE_DIR: dirname(cacheDir) },
      });
      expect(cleaned.exitCode).toBe(0);
      expect(cleaned.stdout).toMatch(new RegExp(`: \\d+ layers, ${count} builds, `));
      expect(await buildEntries()).toEqual([]);
      expect((await build('recipe.yaml', 'cleaned/out.iso')).json.cached).toBe(false);
    },
    TIMEOUT,
  );
});

describe('the layer cache keeps a layer when making it again costs more than keeping it', () => {
  // A layer of 8 MiB or more: the write puts it in place itself (output/splice/).
  const LAYER = 'ubuntu-server-minimal.ubuntu-server.installer.generic';
  /** A build of STEP on the top layer with the cache on; what it said, and the finished layer entries after it. */
  async function buildWith(name: string, step: string) {
    const cache = join(dir, `keep-${name}`);
    await writeFile(
      join(dir, `${name}.yaml`),
      `input: sample.iso\noutput: ${name}/out.iso\nlayers:\n  ${LAYER}:\n    steps:\n      - ${step}\n`,
    );
    const run = await runIsoforge(
      ['build', join(dir, `${name}.yaml`), '--workdir', join(dir, `work-${name}`)],
      {
        env: { ISOFORGE_CACHE_DIR: cache, ISOFORGE_NO_CACHE: '' },
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const entries = (await readdir(join(cache, 'layers'))).filter((entry) => /^[0-9a-f]{64}$/.test(entry));
    return { said: run.stdout + run.stderr, entries: entries.map((entry) => join(cache, 'layers', entry)) };
  }

  it(
    'not a layer whose steps only place files: block reuse makes it again in about the time of a copy',
    async () => {
      const { said, entries } = await buildWith(
        'files-only',
        'file: { dest: /etc/isoforge-kept, content: "no\\n" }',
      );
      expect(said).toContain(`layer ${LAYER}: not kept in the cache (its steps run no program`);
      expect(entries).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'a layer whose steps run a program, and the splice leaves the kept file as it was',
    async () => {
      const { said, entries } = await buildWith('program', 'run: echo yes > /etc/isoforge-kept');
      expect(said).not.toContain('not kept in the cache');
      expect(said).toMatch(/installer\.generic\.squashfs put in place at block \d+/);
      expect(entries).toHaveLength(1);
      // The kept file and the ISO's layer as xorriso reads it back: the same bytes.
      const extracted = join(dir, 'program-layer.squashfs');
      await extractFromIso(join(dir, 'program/out.iso'), [
        { isoPath: `/casper/${LAYER}.squashfs`, localPath: extracted },
      ]);
      expect(await sha256(join(entries[0] ?? '', 'layer.squashfs'))).toBe(await sha256(extracted));
    },
    TIMEOUT,
  );
});
