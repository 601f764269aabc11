import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runIsoforge } from '../support/cli.ts';
import { isoFile } from '../support/iso-file.ts';
import { ensureSampleIso } from '../support/sample.ts';

// Fleet builds on the sample: two site variants of one recipe, one call, one layer cache.
const TIMEOUT = 900_000;
const TOP = 'ubuntu-server-minimal.ubuntu-server';
let dir: string;
let env: Record<string, string>;

const RECIPE = `input: sample.iso
output: out/fleet.iso
layers:
  ${TOP}:
    steps:
      - run: echo fleet > /etc/isoforge-release
iso:
  diskInfo: 'Fleet {{ SITE }}'
  files:
    - { src: files/site.conf, dest: /site.conf }
variants:
  site-a:
    vars: { SITE: alpha, NTP: 10.0.0.1 }
  site-b:
    vars: { SITE: beta, NTP: 10.0.0.2 }
`;

interface FleetJson {
  variants: { variant: string; output: string; layers: { name: string; cached: boolean }[] }[];
  index: string | null;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-fleet-'));
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/site.conf'), 'site={{ SITE }}\nntp={{ NTP }}\n');
  await writeFile(join(dir, 'fleet.yaml'), RECIPE);
  // The layer cache on, in a folder of this test's own: the second variant finds the shared layer.
  env = { ISOFORGE_NO_CACHE: '', ISOFORGE_CACHE_DIR: join(dir, 'cache') };
}, TIMEOUT);

describe('isoforge build on a recipe with variants', () => {
  let fleet: FleetJson;

  beforeAll(async () => {
    const run = await runIsoforge(
      ['build', join(dir, 'fleet.yaml'), '--workdir', join(dir, 'work'), '--json'],
      {
        env,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    fleet = JSON.parse(run.stdout) as FleetJson;
  }, TIMEOUT);

  it('builds every variant; the layer change they share is customized once, then taken from the cache', () => {
    expect(fleet.variants.map((v) => [v.variant, v.output])).toEqual([
      ['site-a', join(dir, 'out/fleet-site-a.iso')],
      ['site-b', join(dir, 'out/fleet-site-b.iso')],
    ]);
    expect(fleet.variants.map((v) => v.layers.map((l) => l.cached))).toEqual([[false], [true]]);
  });

  it("each ISO carries its own site's text, filled from its variables", async () => {
    for (const [site, ntp, iso] of [
      ['alpha', '10.0.0.1', 'fleet-site-a.iso'],
      ['beta', '10.0.0.2', 'fleet-site-b.iso'],
    ] as const) {
      const path = join(dir, 'out', iso);
      expect(await isoFile(path, '/.disk/info')).toBe(`Fleet ${site}\n`);
      expect(await isoFile(path, '/site.conf')).toBe(`site=${site}\nntp=${ntp}\n`);
      const verify = await runIsoforge(['verify', path, '--original', join(dir, 'sample.iso')]);
      expect(verify.exitCode, verify.stdout).toBe(0);
    }
  });

  it('writes one page that links each variant’s report', async () => {
    expect(fleet.index).toBe(join(dir, 'out/fleet-variants.html'));
    const html = await readFile(fleet.index ?? '', 'utf8');
    expect(html).toContain('href="fleet-site-a.report.html"');
    expect(html).toContain('href="fleet-site-b.report.html"');
    expect(html).toContain('2 variants: 2 built, 0 failed');
  });

  it('--variant-index builds the one a CI job names, and isoforge variants gives the matrix', async () => {
    const one = await runIsoforge(
      [
        'build',
        join(dir, 'fleet.yaml'),
        '--workdir',
        join(dir, 'work'),
        '--variant-index',
        '1',
        '--force',
        '--json',
      ],
      { env },
    );
    expect(one.exitCode, one.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as FleetJson).variants.map((v) => v.variant)).toEqual(['site-b']);
    const matrix = await runIsoforge(['variants', join(dir, 'fleet.yaml'), '--json']);
    expect(JSON.parse(matrix.stdout)).toEqual({
      include: [
        { variant: 'site-a', index: 0 },
        { variant: 'site-b', index: 1 },
      ],
    });
    const bad = await runIsoforge(['build', join(dir, 'fleet.yaml'), '--variant', 'site-c']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('many builds, one cache', () => {
  it(
    'two CI jobs building variants at once against one cache both succeed; the shared layer is made once',
    async () => {
      // A cache of their own, empty: both jobs miss at first, and one must wait for the other.
      const shared = { ISOFORGE_NO_CACHE: '', ISOFORGE_CACHE_DIR: join(dir, 'shared-cache') };
      const job = (index: number) =>
        runIsoforge(
          [
            'build',
            join(dir, 'fleet.yaml'),
            '--workdir',
            join(dir, `job-${index}`),
            '--variant-index',
            String(index),
            '--force',
          ],
          { env: shared },
        );
      const runs = await Promise.all([job(0), job(1)]);
      for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
      const said = runs.map((run) => run.stdout + run.stderr).join('\n');
      expect(said.match(/layer \S+: not in the cache/g)).toHaveLength(1);
      expect(said).toMatch(/reused from cache/);
      const entries = (await readdir(join(dir, 'shared-cache/layers'))).filter((name) =>
        /^[0-9a-f]{64}$/.test(name),
      );
      expect(entries).toHaveLength(1);
    },
    TIMEOUT,
  );
});
