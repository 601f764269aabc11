/**
 * How each README figure is measured: real commands, timed on the wall clock. Cold sample builds use
 * a private empty cache (XDG_CACHE_HOME), so they never disturb the shared ~/.cache/isoforge.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { measureDiff } from '../../bench/diff.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import type { MeasureName } from './render.ts';

const BIN = resolve('bin/isoforge');

export interface MeasureContext {
  /** A private cache folder for the sample measures (cold, then warm). */
  cache: string;
  scratch: string;
  record(name: MeasureName, value: number): Promise<void>;
}

async function timed(
  argv: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
  onLine?: (line: string) => void,
): Promise<number> {
  const started = performance.now();
  const echo = (line: string) => {
    process.stderr.write(`  | ${line}\n`);
    onLine?.(line);
  };
  await runCommand(argv, { env, cwd, onLine: echo });
  return (performance.now() - started) / 1000;
}

function sampleIn(context: MeasureContext, secureBoot = false): Promise<number> {
  const out = join(context.scratch, secureBoot ? 'sample-sb.iso' : 'sample.iso');
  const argv = [BIN, 'sample', '--out', out, '--force', ...(secureBoot ? ['--secure-boot'] : [])];
  return timed(argv, { XDG_CACHE_HOME: context.cache });
}

async function dropBuiltSamples(context: MeasureContext): Promise<void> {
  const dir = join(context.cache, 'isoforge');
  for (const name of await readdir(dir)) {
    if (/^(sample-|layers-)/.test(name)) await rm(join(dir, name), { recursive: true, force: true });
  }
}

async function bootOnce(context: MeasureContext, firmware: string, media: string): Promise<number> {
  const iso = join(context.scratch, firmware === 'uefi-secureboot' ? 'sample-sb.iso' : 'sample.iso');
  return timed([BIN, 'boot-test', iso, '--firmware', firmware, '--media', media]);
}

/** examples/sample.yaml as it is, minus its boot tests, with input and output in the scratch folder. */
async function buildSampleYaml(context: MeasureContext): Promise<number> {
  const recipe = parse(await readFile('examples/sample.yaml', 'utf8')) as Record<string, unknown>;
  delete recipe.verify;
  const file = resolve('examples', `.timings-${process.pid}.yaml`);
  await writeFile(file, stringify(recipe));
  try {
    const iso = join(context.scratch, 'sample.iso');
    const out = join(context.scratch, 'sample-oem.iso');
    const work = join(context.scratch, 'work');
    return await timed([BIN, 'build', file, '--iso', iso, '--out', out, '--workdir', work, '--force']);
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * A fresh clone of HEAD with an empty cache of its own (ISOFORGE_CACHE_DIR and XDG_CACHE_HOME):
 * `npm run demo`, or `npm test`, each cold. npm test's own tables give two more figures: the
 * reliability phase and the QEMU boot file, as they ran inside it.
 */
async function freshClone(context: MeasureContext, which: 'demo' | 'test'): Promise<number> {
  const clone = join(context.scratch, `clone-${which}`);
  await rm(clone, { recursive: true, force: true });
  await runCommand(['git', 'clone', '--quiet', resolve('.'), clone]);
  const cache = join(context.scratch, `clone-${which}-cache`);
  const env = { ISOFORGE_CACHE_DIR: join(cache, 'isoforge'), XDG_CACHE_HOME: cache };
  if (which === 'demo') return timed(['npm', 'run', 'demo'], env, clone);
  const lines: string[] = [];
  const seconds = await timed(['npm', 'test'], env, clone, (line) => lines.push(line));
  const reliability = secondsInTable(lines, /^reliability\s+(\d+)$/);
  const boots = secondsInTable(lines, /^test\/e2e\/boot\.test\.ts\s+([\d.]+)$/);
  if (reliability !== undefined) await context.record('reliability', reliability);
  if (boots !== undefined) await context.record('e2e-boot', boots);
  return seconds;
}

/** The number in the first line of LINES that PATTERN matches (npm test's phase and file tables). */
function secondsInTable(lines: readonly string[], pattern: RegExp): number | undefined {
  const match = lines.map((line) => pattern.exec(line.trim())).find(Boolean);
  return match ? Number(match[1]) : undefined;
}

/** bench/diff.ts's one diff of two 2 GB-class ISOs (made once in the shared cache's bench folder). */
async function diffOf2gbIsos(context: MeasureContext): Promise<void> {
  const { diff, seconds } = await measureDiff();
  await context.record('diff-2gb-a-bytes', diff.a.sizeBytes);
  await context.record('diff-2gb-b-bytes', diff.b.sizeBytes);
  await context.record('diff-2gb-a-read', diff.a.bytesRead);
  await context.record('diff-2gb-b-read', diff.b.bytesRead);
  await context.record('diff-2gb', seconds);
}

/** The sizes block-reuse.test.ts prints for its block-reuse layer and a full mksquashfs of the same tree. */
async function blockReuseSizes(context: MeasureContext): Promise<void> {
  const lines: string[] = [];
  await timed(['npx', 'vitest', 'run', 'test/integration/block-reuse.test.ts'], {}, undefined, (line) =>
    lines.push(line),
  );
  const printed = lines
    .map((line) => /block reuse: (\d+) bytes .*; full mksquashfs: (\d+) bytes/.exec(line))
    .find(Boolean);
  if (!printed)
    throw new Error(
      'block-reuse.test.ts printed no "block reuse: N bytes ...; full mksquashfs: N bytes" line',
    );
  await context.record('block-reuse-bytes', Number(printed[1]));
  await context.record('block-reuse-full-bytes', Number(printed[2]));
}

/** Every measure, in the order they run (later ones use what earlier ones built). */
export const RUNNERS: { names: MeasureName[]; run: (context: MeasureContext) => Promise<void> }[] = [
  {
    names: ['sample-cold', 'sample-bytes'],
    run: async (c) => {
      await rm(c.cache, { recursive: true, force: true });
      await c.record('sample-cold', await sampleIn(c));
      await c.record('sample-bytes', (await stat(join(c.scratch, 'sample.iso'))).size);
    },
  },
  {
    names: ['sample-layers-rebuilt'],
    run: async (c) => {
      await dropBuiltSamples(c);
      await c.record('sample-layers-rebuilt', await sampleIn(c));
    },
  },
  {
    names: ['sample-secure-boot'],
    run: async (c) => c.record('sample-secure-boot', await sampleIn(c, true)),
  },
  { names: ['sample-cached'], run: async (c) => c.record('sample-cached', await sampleIn(c)) },
  {
    names: [
      'inspect-sample',
      'inspect-sample-bytes-read',
      'sample-base-layer-bytes',
      'sample-base-layer-unpacked-bytes',
    ],
    run: async (c) => {
      const started = performance.now();
      const report = await inspectIso(join(c.scratch, 'sample.iso'));
      await c.record('inspect-sample', (performance.now() - started) / 1000);
      await c.record('inspect-sample-bytes-read', report.bytesRead);
      const base = report.layers.find((layer) => layer.name === 'ubuntu-server-minimal');
      if (base) await c.record('sample-base-layer-bytes', base.sizeBytes);
      if (base?.recordedSize) await c.record('sample-base-layer-unpacked-bytes', base.recordedSize);
    },
  },
  { names: ['build-sample-yaml'], run: async (c) => c.record('build-sample-yaml', await buildSampleYaml(c)) },
  ...(['bios', 'uefi', 'uefi-secureboot'] as const).flatMap((firmware) =>
    (['cdrom', 'usb'] as const).map((media) => {
      const name = `boot-${firmware}-${media}` as MeasureName;
      return {
        names: [name],
        run: async (c: MeasureContext) => c.record(name, await bootOnce(c, firmware, media)),
      };
    }),
  ),
  {
    names: ['diff-2gb', 'diff-2gb-a-bytes', 'diff-2gb-b-bytes', 'diff-2gb-a-read', 'diff-2gb-b-read'],
    run: diffOf2gbIsos,
  },
  { names: ['block-reuse-bytes', 'block-reuse-full-bytes'], run: blockReuseSizes },
  { names: ['demo-fresh'], run: async (c) => c.record('demo-fresh', await freshClone(c, 'demo')) },
  { names: ['npm-test'], run: async (c) => c.record('npm-test', await freshClone(c, 'test')) },
];

/** Measures that take many minutes or run whole suites: only when named on the command line. */
export const ON_REQUEST: readonly MeasureName[] = ['demo-fresh', 'npm-test'];

export async function makeScratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'isoforge-timings-'));
}

/** The plain and signed samples in the scratch folder, from the shared cache (not timed), when a run skipped the sample measures. */
export async function ensureScratchSamples(context: MeasureContext): Promise<void> {
  for (const secureBoot of [false, true]) {
    const out = join(context.scratch, secureBoot ? 'sample-sb.iso' : 'sample.iso');
    if (await stat(out).catch(() => undefined)) continue;
    await runCommand([BIN, 'sample', '--out', out, ...(secureBoot ? ['--secure-boot'] : [])]);
  }
}
