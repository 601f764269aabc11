/**
 * Start-up cost of the compiled CLI: wall time of `isoforge --version` and of `isoforge inspect`
 * on the sample, median of several runs, with the load average beside it (the 2 cores are shared).
 * Run: npm run build && npx tsx bench/startup.ts [ISO]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { ensureCachedSampleIso } from '../src/sample/index.ts';

const RUNS = 9;
const BIN = new URL('../bin/isoforge', import.meta.url).pathname;

function medianSeconds(args: string[]): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    execFileSync(BIN, args, { stdio: 'ignore' });
    times.push((performance.now() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] ?? Number.NaN;
}

const iso = process.argv[2] ?? (await ensureCachedSampleIso({})).path;
console.log(`load average ${loadavg()[0]?.toFixed(1)}, ${RUNS} runs each, median wall seconds`);
console.log(`isoforge --version        ${medianSeconds(['--version']).toFixed(3)}`);
console.log(`isoforge inspect SAMPLE   ${medianSeconds(['inspect', iso]).toFixed(3)}`);
