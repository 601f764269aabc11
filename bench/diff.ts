/**
 * How little of two 2 GB-class ISOs `isoforge diff` reads: A is the sample ISO, B the sample rebuilt
 * by `isoforge build` with the top layer changed (a config file, an apt install and a script, as
 * examples/sample.yaml); both then get the same 1.9 GiB file on the medium (/pool/big.bin, zeros)
 * from xorriso (-indev/-outdev, boot setup replayed: a medium-only isoforge build of a 2 GB ISO
 * fails its own verification on the MBR geometry xorriso picks for it). Made once under
 * ~/.cache/isoforge/bench. Prints the sizes, bytesRead (per side and of both) and the wall time
 * of `isoforge diff A B --json`.
 * Run as root: npx tsx bench/diff.ts
 */
import { mkdir, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { IsoDiff } from '../src/diff/diff.ts';
import { cacheDir, exists } from '../src/sample/cache.ts';
import { ensureCachedSampleIso } from '../src/sample/index.ts';
import { runCommand } from '../src/tools/exec.ts';
import { runXorriso } from '../src/tools/xorriso.ts';
import { formatTable } from '../src/ui/table.ts';

const BIG_BYTES = 1.9 * 1024 ** 3;
const TOP = 'ubuntu-server-minimal.ubuntu-server';
const BIN = resolve('bin/isoforge');

/** SOURCE with /pool/big.bin (zeros, from a sparse file) added by xorriso, the boot setup replayed. */
async function addBigFile(dir: string, source: string, iso: string): Promise<string> {
  if (await exists(iso)) return iso;
  const scratch = await mkdtemp(join(dir, 'diff-big-'));
  try {
    const big = join(scratch, 'big.bin');
    await writeFile(big, '');
    await truncate(big, Math.floor(BIG_BYTES / 2048) * 2048);
    const partial = join(scratch, 'partial.iso');
    await runXorriso([
      ...['-indev', source, '-outdev', partial, '-boot_image', 'any', 'replay'],
      ...['-map', big, '/pool/big.bin'],
    ]);
    await rename(partial, iso);
    return iso;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The sample rebuilt by `isoforge build` with examples/sample.yaml's layer steps (apt reaches the Debian archive). */
async function makeLayerRemaster(dir: string, sample: string): Promise<string> {
  const iso = join(dir, 'diff-layer.iso');
  if (await exists(iso)) return iso;
  const work = await mkdtemp(join(dir, 'diff-layer-'));
  try {
    const conf = resolve('examples/files/50-oem.conf');
    const recipe = join(work, 'recipe.yaml');
    await writeFile(
      recipe,
      `input: ${sample}\noutput: ${iso}\nlayers:\n  ${TOP}:\n    steps:\n` +
        `      - copy: { src: ${conf}, dest: /etc/sysctl.d/50-oem.conf, mode: '0644' }\n` +
        `      - apt: { install: [tree], hold: [less] }\n` +
        `      - run: "echo isoforge-oem > /etc/isoforge-release"\n`,
    );
    await runCommand(['node', BIN, 'build', recipe, '--workdir', join(work, 'work')]);
    return iso;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** What one `isoforge diff A B --json` of the two 2 GB-class ISOs read, and its wall time. */
export interface DiffBench {
  diff: IsoDiff;
  seconds: number;
  exitCode: number;
}

/** Makes the two ISOs (once, under the cache's bench folder) and times one diff of them. */
export async function measureDiff(): Promise<DiffBench> {
  const dir = join(cacheDir(), 'bench');
  await mkdir(dir, { recursive: true });
  const sample = (await ensureCachedSampleIso({ secureBoot: false })).path;
  const a = await addBigFile(dir, sample, join(dir, 'diff-a.iso'));
  const b = await addBigFile(dir, await makeLayerRemaster(dir, sample), join(dir, 'diff-b.iso'));
  const started = performance.now();
  const run = await runCommand(['node', BIN, 'diff', a, b, '--json'], { okExitCodes: [1] });
  const seconds = (performance.now() - started) / 1000;
  return { diff: JSON.parse(run.stdout) as IsoDiff, seconds, exitCode: run.exitCode };
}

async function main(): Promise<void> {
  const { diff, seconds, exitCode } = await measureDiff();
  const percent = (read: number, size: number) => `${((100 * read) / size).toFixed(4)}%`;
  const total = diff.a.sizeBytes + diff.b.sizeBytes;
  const rows = [
    ['iso', 'size', 'bytesRead', 'read'],
    [
      'A',
      mib(diff.a.sizeBytes),
      `${diff.a.bytesRead} (${kib(diff.a.bytesRead)})`,
      percent(diff.a.bytesRead, diff.a.sizeBytes),
    ],
    [
      'B',
      mib(diff.b.sizeBytes),
      `${diff.b.bytesRead} (${kib(diff.b.bytesRead)})`,
      percent(diff.b.bytesRead, diff.b.sizeBytes),
    ],
    ['both', mib(total), `${diff.bytesRead} (${kib(diff.bytesRead)})`, percent(diff.bytesRead, total)],
  ];
  const [top] = diff.layers;
  process.stdout.write(`${formatTable(rows)}\n`);
  process.stdout.write(`differences: ${diff.differences.join(', ')}\n`);
  process.stdout.write(
    `layer ${top?.name}: ${top?.files?.added.length} files added, ${top?.files?.removed.length} removed, ` +
      `${top?.files?.changed.length} changed; packages (${top?.packagesFrom}) +${top?.packages?.added.length}\n`,
  );
  process.stdout.write(`isoforge diff A B --json: ${seconds.toFixed(2)} s wall (exit ${exitCode})\n`);
}

if (process.argv[1]?.endsWith('diff.ts')) await main();
