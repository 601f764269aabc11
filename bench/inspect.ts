/**
 * How fast `inspect --json` reads real ISOs, and how little of them: prints time and bytes read.
 * Run: npx tsx bench/inspect.ts [ISO...]   (default: ipxe, grub-rescue, the cached sample, and a 2 GB
 * ISO made once from a sparse file under ~/.cache/isoforge/bench).
 */
import { mkdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectIso } from '../src/inspect/inspect.ts';
import { cacheDir, exists } from '../src/sample/cache.ts';
import { makeSampleIso } from '../src/sample/index.ts';
import { runXorrisoMkisofs } from '../src/tools/xorriso.ts';
import { formatTable } from '../src/ui/table.ts';

async function makeBigIso(): Promise<string> {
  const dir = join(cacheDir(), 'bench');
  const iso = join(dir, 'big-2g.iso');
  if (await exists(iso)) return iso;
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'casper'), { recursive: true });
  await writeFile(join(tree, 'casper', 'filesystem.squashfs'), '');
  await truncate(join(tree, 'casper', 'filesystem.squashfs'), 2 * 1024 ** 3);
  await runXorrisoMkisofs(['-r', '-J', '-V', 'BIG', '-o', iso, tree]);
  return iso;
}

async function main(): Promise<void> {
  const isos = process.argv.slice(2);
  if (!isos.length) {
    const sample = join(cacheDir(), 'bench', 'sample.iso');
    await makeSampleIso({ out: sample, force: true });
    isos.push(
      '/usr/lib/ipxe/ipxe.iso',
      '/usr/lib/grub-rescue/grub-rescue-cdrom.iso',
      sample,
      await makeBigIso(),
    );
  }
  const rows = [['iso', 'size', 'milliseconds (median of 5)', 'bytes read']];
  for (const iso of isos) {
    const times: number[] = [];
    let bytesRead = 0;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      bytesRead = (await inspectIso(iso)).bytesRead;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    rows.push([
      iso,
      `${((await stat(iso)).size / 1024 ** 2).toFixed(1)} MiB`,
      (times[2] ?? 0).toFixed(1),
      String(bytesRead),
    ]);
  }
  process.stdout.write(`${formatTable(rows)}\n`);
}

await main();
