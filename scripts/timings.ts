/**
 * npm run timings [-- NAME...]: measures the figures the README quotes, stores them in
 * docs/figures.json (merged: a measure not run keeps its last value and date), and rewrites the
 * README's marked sections from that file. Without names it runs every measure except the
 * whole-suite ones (ON_REQUEST), which run only when named. Run as root on an otherwise idle machine.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  ensureScratchSamples,
  makeScratch,
  ON_REQUEST,
  RUNNERS,
  type MeasureContext,
} from './figures/measures.ts';
import {
  MEASURES,
  renderFigures,
  writeFigureSections,
  type FiguresFile,
  type MeasureName,
} from './figures/render.ts';

// The measures that build the samples themselves (in a private cache); every other one uses them.
const SAMPLE_BUILDS: readonly MeasureName[] = [
  'sample-cold',
  'sample-layers-rebuilt',
  'sample-secure-boot',
  'sample-cached',
];

export const FIGURES_FILE = 'docs/figures.json';
const README = 'README.md';

async function readResults(): Promise<FiguresFile> {
  const text = await readFile(FIGURES_FILE, 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as FiguresFile) : { machine: '', figures: {} };
}

function machineName(): string {
  const list = cpus();
  return `${list.length} cores (${list[0]?.model.trim() ?? 'unknown CPU'}), no KVM`;
}

async function main(requested: string[]): Promise<void> {
  const unknown = requested.filter((name) => !(name in MEASURES));
  if (unknown.length)
    throw new Error(`unknown measure ${unknown.join(', ')}; known: ${Object.keys(MEASURES).join(', ')}`);
  const wanted = (names: MeasureName[]) =>
    requested.length ? names.some((n) => requested.includes(n)) : !names.some((n) => ON_REQUEST.includes(n));
  const results = await readResults();
  results.machine = machineName();
  const scratch = await makeScratch();
  const context: MeasureContext = {
    scratch,
    cache: join(scratch, 'cache'),
    record: async (name, value) => {
      const measuredAt = new Date().toISOString();
      results.figures[name] = { value, measuredAt, loadAverage: Number(loadavg()[0]?.toFixed(2)) };
      process.stdout.write(`${name}: ${value}\n`);
      await writeFile(FIGURES_FILE, `${JSON.stringify(results, null, 2)}\n`);
    },
  };
  try {
    for (const runner of RUNNERS.filter((r) => wanted(r.names))) {
      if (!SAMPLE_BUILDS.includes(runner.names[0] ?? 'sample-cold')) await ensureScratchSamples(context);
      process.stderr.write(`timings: measuring ${runner.names.join(', ')}\n`);
      await runner.run(context);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await writeReadmeFigures(results);
}

export async function writeReadmeFigures(results: FiguresFile): Promise<void> {
  const text = await readFile(README, 'utf8');
  await writeFile(README, writeFigureSections(text, renderFigures(results)));
}

if (process.argv[1]?.endsWith('timings.ts')) {
  const names = process.argv.slice(2);
  if (names[0] === '--readme-only') await writeReadmeFigures(await readResults());
  else await main(names);
}
