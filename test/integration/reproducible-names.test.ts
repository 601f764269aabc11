import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../src/report/model.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const BASE = 'ubuntu-server-minimal';
const TOP = 'ubuntu-server-minimal.ubuntu-server';
const TIMEOUT = 600_000;
let dir: string;
let cacheDir: string;

// The base layer gets a file a step fills with random bytes each time, beside a deterministic one.
const RECIPE = `input: sample.iso
output: out.iso
layers:
  ${BASE}:
    steps:
      - file: { dest: /etc/isoforge-base, content: "base layer\\n" }
      - run: head -c 16 /dev/urandom > /etc/isoforge-random-id
  ${TOP}:
    steps:
      - file: { dest: /etc/isoforge-top, content: "top layer\\n" }
`;

interface Reproducibility {
  comparedWith: string;
  identical: boolean;
  differingFiles: string[];
}

interface BuildJson {
  layers: { name: string; cached: boolean; reproducibility: Reproducibility | null }[];
}

/** One --no-cache build with a fixed SOURCE_DATE_EPOCH and a private cache folder (for the records). */
async function build(out: string) {
  const result = await runIsoforge(
    [
      'build',
      join(dir, 'recipe.yaml'),
      '--out',
      join(dir, out),
      '--workdir',
      join(dir, 'work'),
      '--json',
      '--no-cache',
    ],
    {
      env: { SOURCE_DATE_EPOCH: '1700000000', ISOFORGE_CACHE_DIR: dirname(cacheDir), ISOFORGE_NO_CACHE: '' },
    },
  );
  expect(result.stderr + result.stdout, 'build failed').toContain('"output"');
  expect(result.exitCode).toBe(0);
  const json = JSON.parse(result.stdout) as BuildJson;
  const byName = Object.fromEntries(json.layers.map((l) => [l.name, l.reproducibility]));
  return { byName, stderr: result.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-repro-names-'));
  cacheDir = join(dir, 'cache', 'layers');
  await writeFile(join(dir, 'sample.iso'), await readFile(await ensureSampleIso()));
  await writeFile(join(dir, 'recipe.yaml'), RECIPE);
}, TIMEOUT);

// Two ISOs and a copy of the sample: gone with the test.
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a build that is not reproducible names the files that differ', () => {
  it(
    'the second --no-cache build of the same inputs names exactly the random file, in its warning, --json and report',
    async () => {
      const first = await build('a.iso');
      expect(first.byName).toEqual({ [BASE]: null, [TOP]: null });
      expect(first.stderr).not.toContain('is not reproducible');
      // --no-cache stores no layer, only the small records the next build compares with.
      expect((await readdir(cacheDir)).filter((name) => /^[0-9a-f]{64}$/.test(name))).toEqual([]);
      expect(await readdir(join(cacheDir, 'records'))).toHaveLength(2);

      const second = await build('b.iso');
      const base = second.byName[BASE];
      expect(base).toMatchObject({ identical: false, differingFiles: ['/etc/isoforge-random-id'] });
      expect(second.byName[TOP]).toMatchObject({ identical: true, differingFiles: [] });
      const warnings = second.stderr.split('\n').filter((line) => line.includes('is not reproducible'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^isoforge: layer ${BASE} is not reproducible: 1 file differs from the build of \\S+ \\S+ UTC with the same inputs: /etc/isoforge-random-id \\(see the report\\)$`,
        ),
      );

      const report = JSON.parse(await readFile(join(dir, 'b.report.json'), 'utf8')) as ReportData;
      const layers = Object.fromEntries(report.layers.map((l) => [l.name, l.reproducibility]));
      expect(layers[BASE]).toEqual(base);
      const html = await readFile(join(dir, 'b.report.html'), 'utf8');
      expect(html).toContain('<h3>Reproducibility</h3>');
      expect(html).toContain('<code>/etc/isoforge-random-id</code>');
    },
    TIMEOUT,
  );
});
