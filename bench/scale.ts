/**
 * npm run bench:scale [-- --rounds MAX] [-- --min-rounds N] [-- --bulk-mib N]: issue 24's cost
 * of a one-file change to a 2 GB-class medium (bench/scale-medium.ts makes it from the sample)
 * (the default build, caches on, each build a change no cache has) against `cp` + `sync` of that
 * medium, in interleaved rounds (copy, build, build, copy), the page
 * cache dropped before each run, until the ratio's 95 % interval is within ±3 % or MAX rounds;
 * then the same change on the sample, for the fixed costs. Prints each stage's median and range,
 * the ratio and its interval; writes docs/bench-scale.json and the README's bench:scale section.
 * Run as root on an otherwise idle machine.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { inspectIso } from '../src/inspect/inspect.ts';
import { cacheDir } from '../src/sample/cache.ts';
import { ensureCachedSampleIso } from '../src/sample/index.ts';
import { runCommand } from '../src/tools/exec.ts';
import { inFreshDir, readBuildRun } from './build-runs.ts';
import { argument, readCommit } from './cli-args.ts';
import { isNarrow } from './ratio-interval.ts';
import { dropPageCache } from './remaster-runs.ts';
import { ensureScaleMedium, SCALE_LAYER } from './scale-medium.ts';
import { type BuildRun, renderScaleSection, scaleInterval, type ScaleResults } from './scale-report.ts';

const RESULTS_FILE = 'docs/bench-scale.json';
const BIN = resolve('bin/isoforge');

/** The one-file change: a `file` step on the grown layer, the default repack (block reuse); CONTENT differs per build. */
function recipeFor(input: string, output: string, content: string): string {
  return `input: ${input}\noutput: ${output}\nlayers:\n  ${SCALE_LAYER}:\n    steps:\n      - file: { dest: /etc/isoforge-scale, content: "${content}\\n" }\n`;
}

async function timedCopy(iso: string, dir: string): Promise<number> {
  const started = performance.now();
  await runCommand(['cp', iso, join(dir, 'copy.iso')]);
  await runCommand(['sync']);
  return (performance.now() - started) / 1000;
}

let builds = 0;

/**
 * The default build, caches on (CACHE, kept across runs as a user's is), of a change no earlier
 * build made: each build writes its own content, so neither the layer cache nor the build cache
 * has it.
 */
async function timedBuild(iso: string, dir: string, cache: string): Promise<BuildRun> {
  const recipe = join(dir, 'recipe.yaml');
  await writeFile(recipe, recipeFor(iso, join(dir, 'out.iso'), `one file, build ${++builds}`));
  const started = performance.now();
  const { stdout } = await runCommand(
    [BIN, 'build', recipe, '--workdir', join(dir, 'work'), '--json', '--force'],
    { env: { ISOFORGE_CACHE_DIR: cache, ISOFORGE_NO_CACHE: '' } },
  );
  return readBuildRun(stdout, (performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const rounds = { min: Number(argument('min-rounds', '3')), max: Number(argument('rounds', '8')) };
  const bulkBytes = Number(argument('bulk-mib', '2048')) * 2 ** 20;
  await runCommand(['bash', 'scripts/build.sh']);
  const benchDir = join(cacheDir(), 'bench');
  await mkdir(benchDir, { recursive: true });
  const sample = (await ensureCachedSampleIso({ secureBoot: false })).path;
  const iso = await ensureScaleMedium(sample, benchDir, bulkBytes);
  const layer = (await inspectIso(iso)).layers.find((l) => l.name === SCALE_LAYER);
  // A cache of the bench's own; a first build, untimed, makes what a user's cache keeps of an
  // input it built from before: the hashes of the input's extents that the cache keys are made of.
  const cache = join(benchDir, 'cache');
  await rm(cache, { recursive: true, force: true });
  for (const medium of [iso, sample]) await inFreshDir(benchDir, (dir) => timedBuild(medium, dir, cache));
  const results: ScaleResults = {
    measuredAt: new Date().toISOString(),
    commit: await readCommit(),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    loadAverage: { start: loadavg()[0] ?? 0, end: 0 },
    medium: { isoBytes: (await stat(iso)).size, layerBytes: layer?.sizeBytes ?? 0 },
    pageCacheDropped: true,
    copy: [],
    build: [],
    sample: [],
  };
  for (let round = 1; round <= rounds.max; round++) {
    for (const side of ['copy', 'build', 'build', 'copy'] as const) {
      results.pageCacheDropped = (await dropPageCache()) && results.pageCacheDropped;
      if (side === 'copy') results.copy.push(await inFreshDir(benchDir, (dir) => timedCopy(iso, dir)));
      else results.build.push(await inFreshDir(benchDir, (dir) => timedBuild(iso, dir, cache)));
      process.stderr.write(
        `bench:scale round ${round}: ${side} ${(side === 'copy' ? results.copy.at(-1) : results.build.at(-1)?.wall)?.toFixed(2)} s\n`,
      );
    }
    const interval = scaleInterval(results);
    if (interval)
      process.stderr.write(
        `bench:scale: ratio ${interval.mid.toFixed(3)} (${interval.low.toFixed(3)} to ${interval.high.toFixed(3)})\n`,
      );
    if (round >= rounds.min && isNarrow(interval, 0.03)) break;
  }
  for (let run = 0; run < 5; run++)
    results.sample.push(await inFreshDir(benchDir, (dir) => timedBuild(sample, dir, cache)));
  await rm(cache, { recursive: true, force: true });
  results.loadAverage.end = loadavg()[0] ?? 0;
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  await writeReadmeSection(results);
  process.stdout.write(`${renderScaleSection(results)}\n`);
}

async function writeReadmeSection(results: ScaleResults): Promise<void> {
  const readme = await readFile('README.md', 'utf8');
  const marked = /<!-- bench:scale -->\n\n[\s\S]*?\n<!-- \/bench:scale -->/;
  if (!marked.test(readme)) throw new Error('README.md has no <!-- bench:scale --> section');
  await writeFile(
    'README.md',
    readme.replace(marked, `<!-- bench:scale -->\n\n${renderScaleSection(results)}\n<!-- /bench:scale -->`),
  );
}

if (process.argv[1]?.endsWith('scale.ts')) await main();
