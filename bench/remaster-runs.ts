/**
 * One timed run of each side of bench/remaster.ts: the seed guide's manual sequence, and
 * `isoforge build` in a mode (full repack, unchanged rebuild from the layer cache).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../src/tools/exec.ts';

/** The same customization on both sides: 16 MiB of new data and a release file. */
export const SCRIPT =
  'dd if=/dev/urandom of=/opt/bench.bin bs=1M count=16 status=none; echo bench > /opt/bench-release';

export type Timings = Record<string, number>;

/** What both sides need to know about the fixture ISO and the layer they rebuild. */
export interface Fixture {
  name: string;
  iso: string;
  /** The layer's name (recipe key) and its path on the medium, its sidecars' paths. */
  layer: string;
  layerPath: string;
  manifestPath: string;
  sizePath: string;
  compression: { algorithm: string; blockSize: number };
  /** The `-as mkisofs` boot arguments of the original, for the guide's xorriso step. */
  mkisofs: string[];
}

/** An isoforge mode: how the recipe and flags differ, and whether the layer cache is primed first. */
export interface Mode {
  name: string;
  flags: string[];
  /** Lines added to the layer's recipe section. */
  recipeExtra: string;
  primeCache: boolean;
}

async function timed<T>(timings: Timings, stage: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] = (timings[stage] ?? 0) + (performance.now() - started) / 1000;
  }
}

/** The guide: extract the tree, unsquashfs, chroot, manifest and size, mksquashfs (same compression), xorriso. */
export async function manualRun(fixture: Fixture, dir: string): Promise<Timings> {
  const t: Timings = {};
  const started = performance.now();
  const tree = join(dir, 'tree');
  const root = join(dir, 'squashfs-root');
  await timed(t, 'extract the tree', () =>
    runCommand(['xorriso', '-osirrox', 'on', '-indev', fixture.iso, '-extract', '/', tree]),
  );
  await runCommand(['chmod', '-R', 'u+w', tree]);
  const layer = join(tree, fixture.layerPath);
  await timed(t, 'unsquashfs', () => runCommand(['unsquashfs', '-d', root, layer]));
  await timed(t, 'chroot', async () => {
    for (const fs of ['proc', 'sys', 'dev']) await runCommand(['mount', '--bind', `/${fs}`, join(root, fs)]);
    try {
      await runCommand(['chroot', root, 'sh', '-ec', SCRIPT]);
    } finally {
      for (const fs of ['dev', 'sys', 'proc']) await runCommand(['umount', join(root, fs)]);
    }
  });
  await timed(t, 'manifest + size', async () => {
    const manifest = await runCommand(['chroot', root, 'dpkg-query', '-W']);
    await writeFile(join(tree, fixture.manifestPath), manifest.stdout);
    const du = await runCommand(['du', '-sx', '--block-size=1', root]);
    await writeFile(join(tree, fixture.sizePath), `${du.stdout.split('\t')[0]}\n`);
  });
  await runCommand(['rm', '-f', layer]);
  const { algorithm, blockSize } = fixture.compression;
  await timed(t, 'mksquashfs', () =>
    runCommand(['mksquashfs', root, layer, '-noappend', '-comp', algorithm, '-b', String(blockSize)]),
  );
  const out = join(dir, 'manual.iso');
  await timed(t, 'xorriso', () =>
    runCommand([
      'xorriso',
      '-as',
      'mkisofs',
      '-r',
      '-o',
      out,
      ...fixture.mkisofs,
      '-J',
      '-joliet-long',
      tree,
    ]),
  );
  t.total = (performance.now() - started) / 1000;
  return t;
}

/** The recipe isoforge builds: the same script, the same compression. */
export async function writeRecipe(fixture: Fixture, mode: Mode, dir: string): Promise<string> {
  const recipe = join(dir, 'bench.yaml');
  const { algorithm, blockSize } = fixture.compression;
  await writeFile(
    recipe,
    `input: ${fixture.iso}\noutput: ${join(dir, 'isoforge.iso')}\nlayers:\n  ${fixture.layer}:\n` +
      `    compression: { algorithm: ${algorithm}, blockSize: ${blockSize} }\n${mode.recipeExtra}` +
      `    steps:\n      - run: "${SCRIPT}"\n`,
  );
  return recipe;
}

/** `isoforge build` as a user runs it; overhead = wall time minus the time inside the programs it ran (build.log). */
export async function isoforgeRun(
  recipe: string,
  dir: string,
  mode: Mode,
  cacheDir: string,
): Promise<{ timings: Timings; overhead: number }> {
  const workDir = join(dir, 'work');
  const started = performance.now();
  const { stdout } = await runCommand(
    ['node', 'bin/isoforge', 'build', recipe, '--workdir', workDir, '--json', '--force', ...mode.flags],
    { env: { ISOFORGE_CACHE_DIR: cacheDir } },
  );
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

/** `du -sxb` of DIR every second while WORK runs: the peak bytes the run itself wrote there. */
export async function peakDirBytes<T>(dir: string, work: () => Promise<T>): Promise<[T, number]> {
  let peak = 0;
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    const { stdout } = await runCommand(['du', '-sxb', dir]).catch(() => ({ stdout: '0' }));
    peak = Math.max(peak, Number(stdout.split('\t')[0]) || 0);
    busy = false;
  };
  const timer = setInterval(() => void sample(), 1000);
  try {
    const result = await work();
    await sample();
    return [result, peak];
  } finally {
    clearInterval(timer);
  }
}

/** Empties the page cache so every run reads its input from disk, as a first build would. */
export async function dropPageCache(): Promise<boolean> {
  await runCommand(['sync']);
  return writeFile('/proc/sys/vm/drop_caches', '3\n').then(
    () => true,
    () => false,
  );
}
