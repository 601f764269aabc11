import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { removeTree } from '../safety/remove.ts';
import { cacheDir, exists, markUsed } from './cache.ts';
import type { BuiltLayer } from './layers.ts';

const INDEX = 'layers.json';
const SIDECARS = ['.squashfs', '.manifest', '.size'];

/**
 * The built casper layers (squashfs, .manifest, .size) kept between builds: the plain and the
 * --secure-boot sample share them, and a boot-files-only change rebuilds in seconds.
 */
export async function ensureCachedLayers(
  key: string,
  casper: string,
  build: () => Promise<BuiltLayer[]>,
): Promise<BuiltLayer[]> {
  const dir = layersDirName(key);
  if (await exists(join(dir, INDEX))) {
    await markUsed(dir);
    return copyCachedLayers(dir, casper);
  }
  const layers = await build();
  await saveLayers(dir, casper, layers);
  return layers;
}

/** The cache folder of the layers with KEY (see makeLayersKey). */
export function layersDirName(key: string): string {
  return join(cacheDir(), `layers-${key}`);
}

async function copyCachedLayers(dir: string, casper: string): Promise<BuiltLayer[]> {
  const layers = JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as BuiltLayer[];
  for (const layer of layers) {
    for (const suffix of SIDECARS)
      await copyFile(join(dir, layer.name + suffix), join(casper, layer.name + suffix));
  }
  return layers.map((layer) => ({ ...layer, squashfs: join(casper, `${layer.name}.squashfs`) }));
}

async function saveLayers(dir: string, casper: string, layers: readonly BuiltLayer[]): Promise<void> {
  const partial = `${dir}.partial-${process.pid}`;
  await mkdir(partial, { recursive: true });
  try {
    for (const layer of layers) {
      for (const suffix of SIDECARS)
        await copyFile(join(casper, layer.name + suffix), join(partial, layer.name + suffix));
    }
    const index = layers.map((layer) => ({ ...layer, squashfs: basename(layer.squashfs) }));
    await writeFile(join(partial, INDEX), JSON.stringify(index));
    if (!(await exists(dir))) await rename(partial, dir);
  } finally {
    if (await exists(partial)) await removeTree(partial, { within: cacheDir() });
  }
}
