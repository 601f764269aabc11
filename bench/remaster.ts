/**
 * npm run bench:remaster [-- --rounds MAX] [-- --min-rounds N] [-- --fixtures sample,live]: the
 * seed guide's manual sequence against `isoforge build` with the same customization and
 * compression, per mode (full repack, unchanged rebuild, block reuse), in the order manual,
 * isoforge, isoforge, manual per round, the page cache dropped before each run; rounds go on until
 * the ratio's 95 % interval is within ±3 % (ratio-interval.ts) or MAX rounds. Prints per-stage medians,
 * the isoforge/manual ratio, isoforge's own overhead and the peak extra disk; writes
 * docs/bench-remaster.json and the README's `bench:remaster` section from it (`--readme-only`
 * re-renders that section from the stored file). Run as root.
 */
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { layoutNamed } from '../src/distro/layouts/index.ts';
import { inspectIso } from '../src/inspect/inspect.ts';
import { splitMkisofsLines } from '../src/output/write-iso.ts';
import { cacheDir } from '../src/sample/cache.ts';
import { ensureCachedSampleIso } from '../src/sample/index.ts';
import { runCommand } from '../src/tools/exec.ts';
import { BOOKWORM_HYBRID, liveBuildCacheDir } from '../test/support/live-build.ts';
import { isNarrow, ratioInterval, type RatioInterval } from './ratio-interval.ts';
import { renderBenchSection, type BenchResults, type ModeResult } from './remaster-report.ts';
import {
  dropPageCache,
  type Fixture,
  isoforgeRun,
  manualRun,
  type Mode,
  peakDirBytes,
  type Timings,
  writeRecipe,
} from './remaster-runs.ts';
import { argument, readCommit } from './cli-args.ts';

/** The isoforge modes: block reuse (the default repack), a full mksquashfs, and a rebuild from the layer cache. */
const MODES: Mode[] = [
  { name: 'block reuse', flags: ['--no-cache'], recipeExtra: '    repack: reuse\n', primeCache: false },
  { name: 'full repack', flags: ['--no-cache'], recipeExtra: '    repack: full\n', primeCache: false },
  { name: 'unchanged rebuild', flags: [], recipeExtra: '', primeCache: true },
];

const RESULTS_FILE = 'docs/bench-remaster.json';

/** The fixture's layer, sidecars, compression and boot arguments, read from the ISO itself. */
async function readFixture(name: string, iso: string, layerName: string): Promise<Fixture> {
  const report = await inspectIso(iso);
  const layer = report.layers.find((l) => l.name === layerName);
  const layout = layoutNamed(report.layout);
  if (!layer?.superblock || !layout) throw new Error(`${iso}: no readable layer ${layerName}`);
  const mkisofs = splitMkisofsLines(
    report.mkisofsArgs.filter((l) => !l.startsWith('--modification-date')),
  ).map((arg) =>
    arg.replace(
      /^--interval:appended_partition_(\d+)_start_\d+s_size_\d+d:all::$/,
      '--interval:appended_partition_$1:all::',
    ),
  );
  return {
    name,
    iso,
    layer: layerName,
    layerPath: layer.path.replace(/^\//, ''),
    manifestPath: layout.packagesSidecar(layer.path).replace(/^\//, ''),
    sizePath: layout.sizeSidecar(layer.path).replace(/^\//, ''),
    compression: { algorithm: layer.superblock.compression, blockSize: layer.superblock.blockSize },
    mkisofs,
  };
}

/** The sample always; the Debian live fixture of the real-ISO tests only when it is already built. */
async function readFixtures(wanted: string[]): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  if (wanted.includes('sample')) {
    const { path } = await ensureCachedSampleIso({ secureBoot: false });
    fixtures.push(await readFixture('sample', path, 'ubuntu-server-minimal'));
  }
  if (wanted.includes('live')) {
    const iso = join(await liveBuildCacheDir(BOOKWORM_HYBRID), 'live.iso');
    if (await stat(iso).catch(() => undefined))
      fixtures.push(await readFixture(`Debian live (${BOOKWORM_HYBRID.name})`, iso, 'filesystem'));
    else process.stderr.write(`bench: the Debian live fixture is not built (${iso}): skipped\n`);
  }
  return fixtures;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function medians(runs: Timings[]): Record<string, number> {
  const stages = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(stages.map((s) => [s, median(runs.map((r) => r[s] ?? 0))]));
}

/** One mode on one fixture: ROUNDS times manual, isoforge, isoforge, manual. */
async function benchMode(
  fixture: Fixture,
  mode: Mode,
  rounds: { min: number; max: number },
  benchDir: string,
): Promise<ModeResult> {
  const layerCache = join(benchDir, `cache-${fixture.name.replace(/\W+/g, '-')}`);
  await runCommand(['rm', '-rf', '--one-file-system', layerCache]);
  const manual: Timings[] = [];
  const tool: Timings[] = [];
  const overheads: number[] = [];
  const disk = { manual: [] as number[], isoforge: [] as number[] };
  let dropped = true;
  if (mode.primeCache) {
    const dir = await mkdtemp(join(benchDir, 'prime-'));
    await isoforgeRun(await writeRecipe(fixture, mode, dir), dir, mode, layerCache);
    await runCommand(['rm', '-rf', '--one-file-system', dir]);
  }
  for (let round = 0; round < rounds.max; round++) {
    for (const side of ['manual', 'isoforge', 'isoforge', 'manual'] as const) {
      const dir = await mkdtemp(join(benchDir, `${side}-`));
      const recipe = await writeRecipe(fixture, mode, dir);
      dropped = (await dropPageCache()) && dropped;
      process.stderr.write(`bench: ${fixture.name}, ${mode.name}, round ${round + 1}: ${side}\n`);
      if (side === 'manual') {
        const [timings, peak] = await peakDirBytes(dir, () => manualRun(fixture, dir));
        manual.push(timings);
        disk.manual.push(peak);
      } else {
        const [run, peak] = await peakDirBytes(dir, () => isoforgeRun(recipe, dir, mode, layerCache));
        tool.push(run.timings);
        overheads.push(run.overhead);
        disk.isoforge.push(peak);
      }
      await runCommand(['rm', '-rf', '--one-file-system', dir]);
    }
    const interval = ratioInterval(wallOf(manual, tool));
    process.stderr.write(`bench: ${fixture.name}, ${mode.name}: ${describeSoFar(interval)}\n`);
    if (round + 1 >= rounds.min && isNarrow(interval, NARROW_WITHIN)) break;
  }
  const m = medians(manual);
  const t = medians(tool);
  return {
    mode: mode.name,
    runs: { manual: manual.length, isoforge: tool.length },
    pageCacheDropped: dropped,
    manual: m,
    isoforge: t,
    ratio: (t.total ?? 0) / (m.total ?? 1),
    overhead: median(overheads),
    peakDiskBytes: { manual: median(disk.manual), isoforge: median(disk.isoforge) },
    wallSeconds: wallOf(manual, tool),
    measuredAt: new Date().toISOString(),
    loadAverage: loadavg()[0] ?? 0,
    commit: await readCommit(),
  };
}

/** The bench stops adding rounds once the ratio's 95 % interval is within ±3 % (or at --rounds). */
const NARROW_WITHIN = 0.03;

function wallOf(manual: Timings[], tool: Timings[]): { manual: number[]; isoforge: number[] } {
  return { manual: manual.map((r) => r.total ?? 0), isoforge: tool.map((r) => r.total ?? 0) };
}

function describeSoFar(interval: RatioInterval | null): string {
  if (!interval) return 'ratio interval after 1 round: none yet';
  const f = (x: number) => x.toFixed(3);
  return `ratio ${f(interval.mid)}, 95 % interval ${f(interval.low)} to ${f(interval.high)} after ${interval.rounds} rounds`;
}

async function main(): Promise<void> {
  const rounds = { min: Number(argument('min-rounds', '3')), max: Number(argument('rounds', '10')) };
  const wanted = argument('fixtures', 'sample,live').split(',');
  const modeNames = argument('modes', MODES.map((m) => m.name).join(',')).split(',');
  const earlier = await readEarlierResults();
  // isoforge as users run it, compiled: bin/isoforge runs src/ through tsx when dist/ is older.
  await runCommand(['bash', 'scripts/build.sh']);
  const benchDir = join(cacheDir(), 'bench');
  await mkdir(benchDir, { recursive: true });
  const fixtures = await readFixtures(wanted);
  const results: BenchResults = {
    measuredAt: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    loadAverage: { start: loadavg()[0] ?? 0, end: 0 },
    rounds: rounds.max,
    // Fixtures not measured this time keep their earlier figures.
    fixtures: earlier?.fixtures.filter((f) => !fixtures.some((fixture) => fixture.name === f.name)) ?? [],
  };
  for (const fixture of fixtures) {
    const layer = (await inspectIso(fixture.iso)).layers.find((l) => l.name === fixture.layer);
    const modes: ModeResult[] = [];
    for (const mode of MODES.filter((m) => modeNames.includes(m.name)))
      modes.push(await benchMode(fixture, mode, rounds, benchDir));
    // Modes not measured this time keep their earlier figures (with their own date and load).
    // Only from a run on the same layer: a rebuilt fixture's old figures describe another layer.
    const kept =
      earlier?.fixtures.findLast((f) => f.name === fixture.name && f.layerBytes === layer?.sizeBytes)
        ?.modes ?? [];
    for (const old of kept) if (!modes.some((m) => m.mode === old.mode)) modes.push(old);
    modes.sort((a, b) => modeOrder(a.mode) - modeOrder(b.mode));
    results.fixtures.push({
      name: fixture.name,
      isoBytes: (await stat(fixture.iso)).size,
      layer: fixture.layer,
      layerBytes: layer?.sizeBytes ?? 0,
      compression: `${fixture.compression.algorithm}, ${fixture.compression.blockSize / 1024} KiB blocks`,
      modes,
    });
    // Written after each fixture: a long run stopped in the next one keeps what it measured.
    await writeResults(results, argument('write', 'yes') === 'yes');
  }
}

function modeOrder(name: string): number {
  return MODES.findIndex((m) => m.name === name);
}

async function readEarlierResults(): Promise<BenchResults | null> {
  const text = await readFile(RESULTS_FILE, 'utf8').catch(() => null);
  return text ? (JSON.parse(text) as BenchResults) : null;
}

/** Prints the section; with WRITE, stores the results file and rewrites the README section. */
async function writeResults(results: BenchResults, write: boolean): Promise<void> {
  results.loadAverage.end = loadavg()[0] ?? 0;
  const section = renderBenchSection(results);
  process.stdout.write(`${section}\n`);
  if (!write) return;
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  const readme = await readFile('README.md', 'utf8');
  await writeFile('README.md', replaceSection(readme, section));
}

/** The README's `<!-- bench:remaster -->` section, rewritten from the results. */
function replaceSection(readme: string, section: string): string {
  const marked = /<!-- bench:remaster -->[\s\S]*?<!-- \/bench:remaster -->/;
  if (!marked.test(readme)) throw new Error('README.md has no <!-- bench:remaster --> section');
  // The blank line after the opening mark is prettier's.
  return readme.replace(marked, () => `<!-- bench:remaster -->\n\n${section}\n<!-- /bench:remaster -->`);
}

if (process.argv.includes('--readme-only')) {
  // Re-renders the README section from the stored results, measuring nothing.
  const stored = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as BenchResults;
  const readme = await readFile('README.md', 'utf8');
  await writeFile('README.md', replaceSection(readme, renderBenchSection(stored)));
} else await main();
