import { randomFillSync } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectIso } from '../src/inspect/inspect.ts';
import { makeWriteSetupArgs, readWriteSetup } from '../src/output/write-setup.ts';
import { runCommand } from '../src/tools/exec.ts';
import { makeModifyArgs, runXorriso } from '../src/tools/xorriso.ts';

/** The layer that grows: the sample's base layer, the one every chain stacks on. */
export const SCALE_LAYER = 'ubuntu-server-minimal';

const CHUNK = 16 << 20;

/**
 * A 2 GB-class medium made from the sample ISO: its base layer unpacked, BULKBYTES of random
 * (incompressible) files added under /opt/isoforge-bulk, packed again by `mksquashfs -noD` (data
 * stored, so it is quick to make; metadata still compressed), and written over the sample with its
 * size sidecar and md5sum.txt line, so the medium verifies as the real ones do. Made once per size.
 */
export async function ensureScaleMedium(sample: string, dir: string, bulkBytes: number): Promise<string> {
  const iso = join(dir, `scale-${Math.round(bulkBytes / 2 ** 20)}m.iso`);
  if (await stat(iso).catch(() => undefined)) return iso;
  const work = join(dir, 'scale-make');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const report = await inspectIso(sample);
  const layer = report.layers.find((l) => l.name === SCALE_LAYER);
  if (!layer?.superblock) throw new Error(`${sample}: no layer ${SCALE_LAYER}`);
  const tree = join(work, 'tree');
  await runCommand(['unsquashfs', '-q', '-d', tree, '-o', String(layer.lba * 2048), sample]);
  await writeBulk(join(tree, 'opt/isoforge-bulk'), bulkBytes);
  const squashfs = join(work, 'layer.squashfs');
  const { compression, blockSize } = layer.superblock;
  await runCommand([
    'mksquashfs',
    tree,
    squashfs,
    '-noD',
    '-comp',
    compression,
    '-b',
    String(blockSize),
    '-noappend',
    '-quiet',
  ]);
  const size = join(work, 'layer.size');
  const { stdout: du } = await runCommand(['du', '-sxb', '--apparent-size', tree]);
  await writeFile(size, `${du.split('\t')[0]}\n`);
  const md5 = join(work, 'md5sum.txt');
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', sample, '-extract', '/md5sum.txt', md5]);
  const sums = await md5Lines(md5, {
    [layer.path]: squashfs,
    [layer.path.replace(/\.squashfs$/, '.size')]: size,
  });
  await rm(md5, { force: true });
  await writeFile(md5, sums);
  const partial = `${iso}.partial`;
  const replace = [
    { localPath: squashfs, isoPath: layer.path },
    { localPath: size, isoPath: layer.path.replace(/\.squashfs$/, '.size') },
    { localPath: md5, isoPath: '/md5sum.txt' },
  ];
  const setupArgs = makeWriteSetupArgs(readWriteSetup(report), report.gpt !== null);
  await runXorriso(makeModifyArgs({ input: sample, output: partial, replace, remove: [], setupArgs }));
  await rename(partial, iso);
  await rm(work, { recursive: true, force: true });
  return iso;
}

/** Random files of 256 MiB (the last one shorter) adding up to BYTES. */
async function writeBulk(dir: string, bytes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const buffer = Buffer.alloc(CHUNK);
  const perFile = 256 << 20;
  for (let index = 0, left = bytes; left > 0; index++, left -= perFile) {
    const file = await open(join(dir, `bulk-${String(index).padStart(3, '0')}.bin`), 'w');
    try {
      for (let done = 0; done < Math.min(perFile, left); done += CHUNK)
        await file.write(randomFillSync(buffer), 0, Math.min(CHUNK, Math.min(perFile, left) - done));
    } finally {
      await file.close();
    }
  }
}

/** md5sum.txt with the lines of REPLACED (ISO path -> local file) re-hashed by md5sum. */
async function md5Lines(file: string, replaced: Record<string, string>): Promise<string> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  for (const [isoPath, local] of Object.entries(replaced)) {
    const { stdout } = await runCommand(['md5sum', local]);
    const at = lines.findIndex((line) => line.endsWith(`  .${isoPath}`));
    if (at < 0) throw new Error(`md5sum.txt has no line for ${isoPath}`);
    lines[at] = `${stdout.split(' ')[0]}  .${isoPath}`;
  }
  return lines.join('\n');
}
