import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IsoImage } from '../../src/iso/image.ts';
import { openSquashfs } from '../../src/squashfs/read.ts';
import {
  regularFiles,
  sha256,
  sha256OfFile,
  unsquashfsExtract,
  unsquashfsListing,
} from '../support/squashfs-compare.ts';
import { renderUnsquashfsListing } from '../support/squashfs-listing.ts';
import { suiteLiveBuildIsos } from '../support/fixtures.ts';
import { ensureSampleIso } from '../support/sample.ts';

/** Files per layer whose contents are compared with unsquashfs's: spread over the whole tree. */
const SAMPLED_FILES = 40;

interface Layer {
  path: string;
  offset: number;
  size: number;
}

async function squashfsLayers(iso: string, folder: string): Promise<Layer[]> {
  await using image = await IsoImage.open(iso);
  return (await image.list(folder))
    .filter((entry) => entry.name.endsWith('.squashfs'))
    .map((entry) => ({ path: entry.path, offset: entry.extentLba * 2048, size: entry.size }));
}

/** Reads LAYER in place from ISO and checks it against unsquashfs -o: the listing, a sample of file contents, the bytes read. */
async function checkLayer(iso: string, layer: Layer): Promise<void> {
  await using squashfs = await openSquashfs(iso, layer.offset);
  const listing = renderUnsquashfsListing(squashfs.root, (node) => squashfs.directorySize(node));
  expect(listing).toEqual(await unsquashfsListing(iso, layer.offset));
  // Opening reads the metadata tables only, never the data blocks.
  const metadataBytes = squashfs.bytesRead;
  expect(metadataBytes).toBeLessThan(layer.size / 4);

  const plainNames = [...regularFiles(squashfs.root)].filter(([path]) => /^[\w./+-]+$/.test(path));
  const step = Math.max(1, Math.floor(plainNames.length / SAMPLED_FILES));
  const sampled = plainNames.filter((_, i) => i % step === 0).slice(0, SAMPLED_FILES);
  const dest = join(await mkdtemp(join(tmpdir(), 'isoforge-sqlayer-')), 'extracted');
  try {
    await unsquashfsExtract(
      iso,
      dest,
      layer.offset,
      sampled.map(([path]) => path),
    );
    for (const [path, node] of sampled) {
      expect({ path, sha256: sha256(await squashfs.readFile(node)) }).toEqual({
        path,
        sha256: await sha256OfFile(join(dest, path)),
      });
    }
  } finally {
    await rm(join(dest, '..'), { recursive: true, force: true });
  }
}

describe('squashfs reader on the sample ISO layers, read in place at their extents', () => {
  it('reads every /casper layer as unsquashfs -o does', async () => {
    const iso = await ensureSampleIso();
    const layers = await squashfsLayers(iso, '/casper');
    expect(layers.length).toBeGreaterThanOrEqual(2);
    for (const layer of layers) await checkLayer(iso, layer);
  }, 300_000);
});

describe.each(await suiteLiveBuildIsos())(
  'squashfs reader on a Debian live layer ($config.name)',
  ({ iso }) => {
    it('reads /live/filesystem.squashfs as unsquashfs -o does', async () => {
      const [layer] = await squashfsLayers(iso, '/live');
      if (!layer) throw new Error(`${iso} has no /live/*.squashfs`);
      await checkLayer(iso, layer);
    }, 300_000);
  },
);
