import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IsoDiff } from '../../src/diff/diff.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { FLEET_LAYER, FLEET_USER_DATA, fleetHosts, fleetRecipe } from '../support/fleet-recipe.ts';
import { isoFile, isoFileBytes } from '../support/iso-file.ts';
import { readFromLayer } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';

// A fleet at scale on the sample: 20 variants (a hostname and autoinstall user-data each) over one
// shared layer change, built by one call; then four CI jobs at once on one cold cache, and a job
// killed while it writes a cache entry. The wall-time budget is bench/fleet.ts's, not a test's.
const TIMEOUT = 1_800_000;
const TOP = FLEET_LAYER;
const COUNT = 20;
const hosts = fleetHosts(COUNT);
const USER_DATA = FLEET_USER_DATA;
let dir: string;

interface VariantJson {
  variant: string;
  output: string;
  layers: { name: string; cached: boolean }[];
  report: string | null;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-fleet-scale-'));
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/user-data'), USER_DATA);
  await writeFile(join(dir, 'fleet.yaml'), fleetRecipe(COUNT, 'out'));
  await writeFile(join(dir, 'jobs.yaml'), fleetRecipe(COUNT, 'jobs'));
}, TIMEOUT);

/** Cache on, in a folder of its own (the suite's global set-up turns it off elsewhere). */
function cacheEnv(name: string): Record<string, string> {
  return { ISOFORGE_NO_CACHE: '', ISOFORGE_CACHE_DIR: join(dir, name) };
}

async function sha256Of(iso: string, path: string): Promise<string> {
  return createHash('sha256')
    .update(await isoFileBytes(iso, path))
    .digest('hex');
}

describe(`${COUNT} variants of one recipe, one call`, () => {
  let variants: VariantJson[];

  beforeAll(async () => {
    const run = await runIsoforge(
      ['build', join(dir, 'fleet.yaml'), '--workdir', join(dir, 'work'), '--json'],
      {
        env: cacheEnv('cache'),
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    variants = (JSON.parse(run.stdout) as { variants: VariantJson[] }).variants;
  }, TIMEOUT);

  it('customizes the shared layer once: the first report says it customized it, the other 19 that they took it from the cache', async () => {
    expect(variants.map((v) => v.variant)).toEqual(hosts);
    expect(variants.map((v) => v.layers.map((l) => l.cached))).toEqual(hosts.map((_, i) => [i > 0]));
    const froms = await Promise.all(
      variants.map(async (v) => {
        const report = JSON.parse(await readFile(v.output.replace(/\.iso$/, '.report.json'), 'utf8')) as {
          layers: { name: string; from: string | null }[];
        };
        return report.layers.filter((layer) => layer.from).map((layer) => layer.from);
      }),
    );
    expect(froms).toEqual(hosts.map((_, i) => [i === 0 ? 'built' : 'cache']));
  });

  it('every ISO verifies against the input and holds its own hostname and user-data (read by xorriso)', async () => {
    for (const [i, v] of variants.entries()) {
      const host = hosts[i] ?? '';
      expect(v.output).toBe(join(dir, `out/fleet-${host}.iso`));
      const verify = await runIsoforge(['verify', v.output, '--original', join(dir, 'sample.iso')]);
      expect(verify.exitCode, verify.stdout).toBe(0);
      expect(await isoFile(v.output, '/nocloud/user-data')).toBe(USER_DATA.replace('{{ HOST }}', host));
      expect(await isoFile(v.output, '/boot/grub/grub.cfg')).toContain(`hostname=${host}`);
      expect(await isoFile(v.output, '/.disk/info')).toBe(`Fleet ${host}\n`);
    }
  });

  it('every ISO holds the shared change: isoforge diff against the first finds no layer difference, unsquashfs reads it', async () => {
    const [first, ...rest] = variants.map((v) => v.output);
    expect(await readFromLayer(first ?? '', TOP, '/etc/isoforge-fleet')).toBe('fleet-shared\n');
    for (const other of rest) {
      const run = await runIsoforge(['diff', first ?? '', other, '--json']);
      const diff = JSON.parse(run.stdout) as IsoDiff;
      expect(diff.layers, other).toEqual([]);
      expect(diff.files.changed.map((file) => file.path)).toEqual(
        expect.arrayContaining(['/.disk/info', '/nocloud/user-data', '/boot/grub/grub.cfg']),
      );
    }
  });
});

describe('many jobs, one cold cache', () => {
  it(
    'four concurrent --variant-index jobs all succeed with the same shared layer (sha256), made once',
    async () => {
      const env = cacheEnv('cache-4');
      const job = (index: number) =>
        runIsoforge(
          [
            'build',
            join(dir, 'jobs.yaml'),
            '--workdir',
            join(dir, `job-${index}`),
            '--variant-index',
            String(index),
          ],
          { env },
        );
      const runs = await Promise.all([0, 1, 2, 3].map(job));
      for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
      const said = runs.map((run) => run.stdout + run.stderr).join('\n');
      expect(said.match(/layer \S+: not in the cache/g)).toHaveLength(1);
      const layers = await Promise.all(
        hosts
          .slice(0, 4)
          .map((host) => sha256Of(join(dir, `jobs/fleet-${host}.iso`), `/casper/${TOP}.squashfs`)),
      );
      expect(new Set(layers).size).toBe(1);
    },
    TIMEOUT,
  );

  it(
    'a job killed while it writes a cache entry leaves nothing a later build trusts: the next build makes the layer again and is correct',
    async () => {
      const env = cacheEnv('cache-killed');
      const layersDir = join(dir, 'cache-killed/layers');
      await mkdir(layersDir, { recursive: true });
      const draft = await killDuringCacheWrite(env, layersDir);
      expect(draft).toMatch(/^\.draft-[0-9a-f]{64}-\d+$/);
      expect(await readdir(layersDir)).toContain(draft);

      const next = await runIsoforge(
        ['build', join(dir, 'jobs.yaml'), '--workdir', join(dir, 'job-next'), '--variant-index', '5'],
        { env },
      );
      expect(next.exitCode, next.stderr).toBe(0);
      expect(next.stdout + next.stderr).toMatch(/layer \S+: not in the cache/);
      const iso = join(dir, `jobs/fleet-${hosts[5] ?? ''}.iso`);
      expect(await readFromLayer(iso, TOP, '/etc/isoforge-fleet')).toBe('fleet-shared\n');
      const verify = await runIsoforge(['verify', iso, '--original', join(dir, 'sample.iso')]);
      expect(verify.exitCode, verify.stdout).toBe(0);
      // The dead job's draft is gone (removed by the next store); one finished entry remains.
      const left = await readdir(layersDir);
      expect(left.filter((name) => name.startsWith('.draft-'))).toEqual([]);
      expect(left.filter((name) => /^[0-9a-f]{64}$/.test(name))).toHaveLength(1);
    },
    TIMEOUT,
  );
});

/**
 * Starts a build and SIGKILLs it while it writes its layer's cache entry: the moment its draft
 * folder appears (inotify), the build is stopped, and killed if the draft is still there; a build
 * that renamed the draft before it stopped is finished and tried again, with a fresh cache. Returns
 * the draft's name.
 */
async function killDuringCacheWrite(env: Record<string, string>, layersDir: string): Promise<string> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const build = execa(
      resolve('bin/isoforge'),
      [
        'build',
        join(dir, 'jobs.yaml'),
        '--workdir',
        join(dir, 'job-killed'),
        '--variant-index',
        '4',
        '--force',
      ],
      { env: { NO_COLOR: '1', ...env }, reject: false },
    );
    const seen = new Promise<string>((done) => {
      const watcher = watch(layersDir, (_, name) => {
        if (!name?.startsWith('.draft-')) return;
        build.kill('SIGSTOP');
        watcher.close();
        done(name);
      });
      void build.finally(() => watcher.close());
    });
    const draft = await Promise.race([seen, build.then(() => undefined)]);
    if (draft && (await readdir(layersDir)).includes(draft)) {
      build.kill('SIGKILL');
      await build;
      console.log(`killed while writing ${draft} (attempt ${attempt})`);
      return draft;
    }
    build.kill('SIGCONT');
    await build;
    await runCommand(['rm', '-rf', '--one-file-system', layersDir]);
    await mkdir(layersDir, { recursive: true });
  }
  throw new Error('no attempt stopped the build while its cache draft existed');
}
