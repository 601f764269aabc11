import { join } from 'node:path';
import { IsoImage } from '../../src/iso/image.ts';
import { runCommand } from '../../src/tools/exec.ts';

/** The byte offset of a casper layer inside ISO: unsquashfs reads the squashfs in place there. */
export async function layerOffset(iso: string, layer: string): Promise<string> {
  await using image = await IsoImage.open(iso);
  const entry = await image.stat(`/casper/${layer}.squashfs`);
  if (!entry) throw new Error(`${iso} has no /casper/${layer}.squashfs`);
  return String(entry.extentLba * 2048);
}

/** A file's content inside a layer of an ISO (unsquashfs -cat). */
export async function readFromLayer(iso: string, layer: string, path: string): Promise<string> {
  return (await runCommand(['unsquashfs', '-o', await layerOffset(iso, layer), '-cat', iso, path])).stdout;
}

/**
 * A layer's entries as "mode uid/gid path [-> target]" (sizes and times left out), from
 * unsquashfs -lln (numeric owners), keyed by path.
 */
export async function listLayer(iso: string, layer: string): Promise<Map<string, string>> {
  const { stdout } = await runCommand(['unsquashfs', '-o', await layerOffset(iso, layer), '-lln', iso]);
  const entries = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^(\S+) (\d+\/\d+)\s.*? \d{4}-\d\d-\d\d \d\d:\d\d squashfs-root(\S*)(.*)$/.exec(line);
    if (match) entries.set(match[3] ?? '', `${match[1]} ${match[2]} ${match[3]}${match[4]}`);
  }
  return entries;
}

/**
 * The entries of LAYER that differ between two ISOs, by their full `unsquashfs -lln` lines (mode,
 * owner, size, time, target): what a reproducibility failure names. Equal lines with other bytes
 * are not found (that would need every file read).
 */
export async function listLayerDifferences(a: string, b: string, layer: string): Promise<string[]> {
  const lines = async (iso: string) =>
    new Set(
      (await runCommand(['unsquashfs', '-o', await layerOffset(iso, layer), '-lln', iso])).stdout
        .split('\n')
        .filter((line) => line.includes('squashfs-root')),
    );
  const [left, right] = [await lines(a), await lines(b)];
  return [
    ...[...left].filter((line) => !right.has(line)).map((line) => `- ${line}`),
    ...[...right].filter((line) => !left.has(line)).map((line) => `+ ${line}`),
  ];
}

/**
 * modinfo's vermagic of MODULE for kernel RELEASE, over the layer's /usr/lib/modules/RELEASE
 * extracted into DIR with unsquashfs: what `modinfo -k RELEASE` finds in that layer.
 */
export async function readModuleVermagic(
  iso: string,
  layer: { name: string; release: string; module: string },
  dir: string,
): Promise<string> {
  const root = join(dir, `modules-${layer.name}`);
  const path = `/usr/lib/modules/${layer.release}`;
  await runCommand(['unsquashfs', '-q', '-o', await layerOffset(iso, layer.name), '-d', root, iso, path]);
  const argv = ['modinfo', '-b', join(root, 'usr'), '-k', layer.release, '-F', 'vermagic', layer.module];
  return (await runCommand(argv)).stdout.trim();
}
