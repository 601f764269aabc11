/**
 * npm run bench:fleet [-- --rounds MAX] [-- --min-rounds N] [-- --variants N]: the fleet budget of
 * issue 20. The sample with one shared layer change and N variants (20): `isoforge build` of all of
 * them in one call, against the budget of one single-variant build of the same recipe plus N
 * medium-only builds (the recipe without its layer change, one call per variant), each on a cold
 * layer cache. Rounds alternate which side runs first and go on until the ratio's 95 % interval is
 * within ±3 % (ratio-interval.ts) or MAX rounds. Writes docs/bench-fleet.json and the README's
 * bench:fleet section. Run as root on an otherwise idle machine.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCachedSampleIso } from '../src/sample/index.ts';
import { runCommand } from '../src/tools/exec.ts';
import { FLEET_USER_DATA, fleetRecipe } from '../test/support/fleet-recipe.ts';
import {
  budgetOf,
  fleetInterval,
  renderFleetSection,
  type FleetResults,
  type FleetRound,
} from './fleet-report.ts';
import { isNarrow } from './ratio-interval.ts';
import { argument, readCommit } from './cli-args.ts';

const RESULTS_FILE = 'docs/bench-fleet.json';
const BIN = resolve('bin/isoforge');

/** Wall seconds of one isoforge build, with a cache folder of its own (cold). */
async function timedBuild(dir: string, recipe: string, args: readonly string[]): Promise<number> {
  const cache = await mkdtemp(join(dir, 'cache-'));
  const started = performance.now();
  await runCommand([BIN, 'build', join(dir, recipe), '--workdir', join(dir, 'work'), '--force', ...args], {
    env: { ISOFORGE_CACHE_DIR: cache, ISOFORGE_NO_CACHE: '' },
  });
  const seconds = (performance.now() - started) / 1000;
  await rm(cache, { recursive: true, force: true });
  return seconds;
}

async function fleetSide(dir: string): Promise<number> {
  return timedBuild(dir, 'fleet.yaml', []);
}

async function budgetSide(dir: string, variants: number): Promise<{ single: number; mediumOnly: number[] }> {
  const single = await timedBuild(dir, 'single.yaml', ['--variant-index', '0']);
  const mediumOnly: number[] = [];
  for (let index = 0; index < variants; index++)
    mediumOnly.push(await timedBuild(dir, 'medium.yaml', ['--variant-index', String(index)]));
  return { single, mediumOnly };
}

async function writeReadmeSection(results: FleetResults): Promise<void> {
  const readme = await readFile('README.md', 'utf8');
  const marked = /<!-- bench:fleet -->\n\n[\s\S]*?\n<!-- \/bench:fleet -->/;
  if (!marked.test(readme)) throw new Error('README.md has no <!-- bench:fleet --> section');
  const section = `<!-- bench:fleet -->\n\n${renderFleetSection(results)}\n<!-- /bench:fleet -->`;
  await writeFile('README.md', readme.replace(marked, section));
}

async function main(): Promise<void> {
  const rounds = { min: Number(argument('min-rounds', '3')), max: Number(argument('rounds', '6')) };
  const variants = Number(argument('variants', '20'));
  await runCommand(['bash', 'scripts/build.sh']);
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-bench-fleet-'));
  const results: FleetResults = {
    measuredAt: new Date().toISOString(),
    commit: await readCommit(),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), no KVM`,
    loadAverage: { start: loadavg()[0] ?? 0, end: 0 },
    variants,
    rounds: [],
  };
  try {
    await copyFile((await ensureCachedSampleIso({ secureBoot: false })).path, join(dir, 'sample.iso'));
    await mkdir(join(dir, 'files'));
    await writeFile(join(dir, 'files/user-data'), FLEET_USER_DATA);
    await writeFile(join(dir, 'fleet.yaml'), fleetRecipe(variants, 'out'));
    await writeFile(join(dir, 'single.yaml'), fleetRecipe(variants, 'single'));
    await writeFile(join(dir, 'medium.yaml'), fleetRecipe(variants, 'medium', true));
    for (let round = 1; round <= rounds.max; round++) {
      // Alternating order: drift within a round (load, page cache) falls on each side in turn.
      let fleet = 0;
      let budget = { single: 0, mediumOnly: [] as number[] };
      if (round % 2) {
        fleet = await fleetSide(dir);
        budget = await budgetSide(dir, variants);
      } else {
        budget = await budgetSide(dir, variants);
        fleet = await fleetSide(dir);
      }
      const measured: FleetRound = { fleet, ...budget };
      results.rounds.push(measured);
      const interval = fleetInterval(results);
      process.stderr.write(
        `bench:fleet round ${round}: fleet ${fleet.toFixed(1)} s, budget ${budgetOf(measured).toFixed(1)} s` +
          (interval
            ? `; ratio ${interval.mid.toFixed(3)} (${interval.low.toFixed(3)} to ${interval.high.toFixed(3)})`
            : '') +
          '\n',
      );
      if (round >= rounds.min && isNarrow(interval, 0.03)) break;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  results.loadAverage.end = loadavg()[0] ?? 0;
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  await writeReadmeSection(results);
  process.stdout.write(`${renderFleetSection(results)}\n`);
}

if (process.argv[1]?.endsWith('fleet.ts')) await main();
