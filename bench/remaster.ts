/**
 * The seed guide's manual command sequence against `isoforge build`, same customization and same
 * compression, on the same sample ISO, alternating, 3 runs each. Prints the median wall time of
 * each stage, the isoforge/manual ratio, isoforge's own overhead (wall time minus time inside the
 * programs it runs, from build.log) and the peak extra disk use of each.
 * Run as root: npx tsx bench/remaster.ts
 */
import { mkdir, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectIso } from '../src/inspect/inspect.ts';
import { splitMkisofsLines } from '../src/output/write-iso.ts';
import { cacheDir } from '../src/sample/cache.ts';
import { makeSampleIso } from '../src/sample/index.ts';
import { runCommand } from '../src/tools/exec.ts';
import { formatTable } from '../src/ui/table.ts';

const LAYER = 'ubuntu-server-minimal';
const SCRIPT =
  'dd if=/dev/urandom of=/opt/bench.bin bs=1M count=16 status=none; echo bench > /opt/bench-release';
const RUNS = 3;

type Timings = Record<string, number>;

async function timed<T>(timings: Timings, stage: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] = (timings[stage] ?? 0) + (performance.now() - started) / 1000;
  }
}

/** Samples the file system's used bytes while WORK runs; returns the peak above the start. */
async function peakExtraDisk<T>(dir: string, work: () => Promise<T>): Promise<[T, number]> {
  const used = async () => {
    const s = await statfs(dir);
    return (s.blocks - s.bfree) * s.bsize;
  };
  const base = await used();
  let peak = 0;
  const timer = setInterval(() => void used().then((u) => (peak = Math.max(peak, u - base))), 200);
  try {
    return [await work(), peak];
  } finally {
    clearInterval(timer);
  }
}

async function manualRun(iso: string, dir: string, mkisofs: string[]): Promise<Timings> {
  const t: Timings = {};
  const tree = join(dir, 'live');
  const root = join(dir, 'squashfs-root');
  await timed(t, 'copy tree (rsync)', () =>
    runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/', tree]),
  );
  await runCommand(['chmod', '-R', 'u+w', tree]);
  const layer = join(tree, 'casper', `${LAYER}.squashfs`);
  await timed(t, 'unsquashfs', () => runCommand(['unsquashfs', '-d', root, layer]));
  await timed(t, 'chroot', async () => {
    for (const fs of ['proc', 'sys', 'dev']) await runCommand(['mount', '--bind', `/${fs}`, join(root, fs)]);
    try {
      await runCommand(['chroot', root, 'sh', '-ec', SCRIPT]);
    } finally {
      for (const fs of ['dev', 'sys', 'proc']) await runCommand(['umount', join(root, fs)]);
    }
  });
  // The guide's 2.2.5: manifest with dpkg-query inside the chroot, size with du (isoforge does both too).
  await timed(t, 'manifest + size', async () => {
    const manifest = await runCommand(['chroot', root, 'dpkg-query', '-W']);
    await writeFile(join(tree, 'casper', `${LAYER}.manifest`), manifest.stdout);
    const du = await runCommand(['du', '-sx', '--block-size=1', root]);
    await writeFile(join(tree, 'casper', `${LAYER}.size`), `${du.stdout.split('\t')[0]}\n`);
  });
  await rm(layer);
  await timed(t, 'mksquashfs', () =>
    runCommand(['mksquashfs', root, layer, '-noappend', '-comp', 'xz', '-b', '131072']),
  );
  await timed(t, 'xorriso', () =>
    runCommand([
      'xorriso',
      '-as',
      'mkisofs',
      '-r',
      '-o',
      join(dir, 'manual.iso'),
      ...mkisofs,
      '-J',
      '-joliet-long',
      tree,
    ]),
  );
  return t;
}

async function isoforgeRun(iso: string, dir: string): Promise<{ timings: Timings; overhead: number }> {
  const recipe = join(dir, 'bench.yaml');
  await writeFile(
    recipe,
    `input: ${iso}\noutput: ${join(dir, 'isoforge.iso')}\nlayers:\n  ${LAYER}:\n    compression: { algorithm: xz, blockSize: 131072 }\n    steps:\n      - run: "${SCRIPT}"\n`,
  );
  const workDir = join(dir, 'work');
  const started = performance.now();
  const { stdout } = await runCommand([
    'node',
    'bin/isoforge',
    'build',
    recipe,
    '--workdir',
    workDir,
    '--json',
  ]);
  const wall = (performance.now() - started) / 1000;
  const report = JSON.parse(stdout) as { timings: { title: string; seconds: number }[] };
  const timings: Timings = {};
  for (const stage of report.timings) timings[stage.title.replace(/ layer .*/, ' layer')] = stage.seconds;
  timings.total = wall;
  const log = await readFile(join(workDir, 'build.log'), 'utf8');
  const external = log
    .split('\n')
    .filter((line) => line.includes('"durationMs"'))
    .reduce((sum, line) => sum + (JSON.parse(line) as { durationMs: number }).durationMs / 1000, 0);
  return { timings, overhead: (wall - external) / wall };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const benchDir = join(cacheDir(), 'bench');
  await mkdir(benchDir, { recursive: true });
  const iso = join(benchDir, 'sample.iso');
  await makeSampleIso({ out: iso, force: true });
  const mkisofs = splitMkisofsLines(
    (await inspectIso(iso)).mkisofsArgs.filter((l) => !l.startsWith('--modification-date')),
  ).map((arg) =>
    arg.replace(
      /^--interval:appended_partition_(\d+)_start_\d+s_size_\d+d:all::$/,
      '--interval:appended_partition_$1:all::',
    ),
  );
  const manual: Timings[] = [];
  const tool: Timings[] = [];
  const overheads: number[] = [];
  const disk = { manual: [] as number[], isoforge: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    for (const which of ['manual', 'isoforge'] as const) {
      const dir = await mkdtemp(join(benchDir, `${which}-`));
      if (which === 'manual') {
        const [t, peak] = await peakExtraDisk(dir, async () => {
          const started = performance.now();
          const timings = await manualRun(iso, dir, mkisofs);
          timings.total = (performance.now() - started) / 1000;
          return timings;
        });
        manual.push(t);
        disk.manual.push(peak);
      } else {
        const [r, peak] = await peakExtraDisk(dir, () => isoforgeRun(iso, dir));
        tool.push(r.timings);
        overheads.push(r.overhead);
        disk.isoforge.push(peak);
      }
      await runCommand(['rm', '-rf', '--one-file-system', dir]);
    }
  }
  const rows = (label: string, runs: Timings[]) =>
    Object.keys(runs[0] ?? {}).map((stage) => [
      label,
      stage,
      median(runs.map((r) => r[stage] ?? 0)).toFixed(2),
    ]);
  process.stdout.write(
    `${formatTable([['sequence', 'stage', 'median seconds'], ...rows('manual', manual), ...rows('isoforge', tool)])}\n\n`,
  );
  const ratio = median(tool.map((t) => t.total ?? 0)) / median(manual.map((t) => t.total ?? 0));
  const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  process.stdout.write(`ratio isoforge/manual (median wall time): ${ratio.toFixed(2)}\n`);
  process.stdout.write(
    `isoforge overhead (wall minus external programs): ${(median(overheads) * 100).toFixed(1)}%\n`,
  );
  process.stdout.write(
    `peak extra disk: manual ${mib(median(disk.manual))}, isoforge ${mib(median(disk.isoforge))}\n`,
  );
}

await main();
