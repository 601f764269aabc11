import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookup } from '../../../src/squashfs/graft.ts';
import type { DirectoryNode } from '../../../src/squashfs/model.ts';
import { applyOverlayUpper, isOpaque, lookupInStack } from '../../../src/squashfs/overlay.ts';
import { openSquashfs } from '../../../src/squashfs/read.ts';
import { runCommand } from '../../../src/tools/exec.ts';
import { makeEveryInodeTree, packSquashfs } from '../../support/squashfs-trees.ts';

let work: string;
let tree: string;
let layerImage: string;
let belowImage: string;
let upperImage: string;

/** An upper dir as overlayfs leaves it: whiteouts (char 0/0), an opaque folder, copy-up bookkeeping xattrs. */
async function makeUpperDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'files'), { recursive: true });
  await writeFile(join(dir, 'files/small-a'), 'rewritten\n');
  await runCommand(['mknod', join(dir, 'files/small-b'), 'c', '0', '0']); // only in the layer
  await runCommand(['mknod', join(dir, 'shared-file'), 'c', '0', '0']); // also below
  await runCommand(['setfattr', '-n', 'trusted.overlay.origin', '-v', '0x00fb', join(dir, 'files')]);
  await mkdir(join(dir, 'links'));
  await runCommand(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', join(dir, 'links')]);
  await writeFile(join(dir, 'links/only-new'), 'new\n');
  await mkdir(join(dir, 'shared-dir'));
  await runCommand(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', join(dir, 'shared-dir')]);
  await mkdir(join(dir, 'brand-new/deeper'), { recursive: true });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'isoforge-overlay-'));
  tree = await makeEveryInodeTree();
  layerImage = await packSquashfs(tree, join(work, 'layer.squashfs'), { compressor: 'gzip' });
  const below = join(work, 'below');
  await mkdir(join(below, 'shared-dir'), { recursive: true });
  await writeFile(join(below, 'shared-file'), 'from below\n');
  await writeFile(join(below, 'shared-dir/kept-below'), 'below\n');
  belowImage = await packSquashfs(below, join(work, 'below.squashfs'), { compressor: 'gzip' });
  const upper = join(work, 'upper');
  await makeUpperDir(upper);
  upperImage = await packSquashfs(upper, join(work, 'upper.squashfs'), { compressor: 'gzip' });
}, 120_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(join(tree, '..'), { recursive: true, force: true });
});

describe('applyOverlayUpper on images packed by mksquashfs', () => {
  it('folds an upper dir into its layer as overlayfs would show the stack', async () => {
    await using layer = await openSquashfs(layerImage);
    await using below = await openSquashfs(belowImage);
    await using upper = await openSquashfs(upperImage);
    const untouched = lookup(layer.root, 'files/one-block');
    const { root, changed } = applyOverlayUpper(layer.root, upper.root, (path) =>
      lookupInStack([below.root], path),
    );
    // Untouched files keep their node, so their blocks are copied from the layer.
    expect(lookup(root, 'files/one-block')).toBe(untouched);
    expect(lookup(root, 'files/small-a')).toMatchObject({ type: 'file', size: 10 });
    // A whiteout stays only where a layer below has the name.
    expect(lookup(root, 'files/small-b')).toBeNull();
    expect(lookup(root, 'shared-file')).toMatchObject({ type: 'char', rdev: 0 });
    // An opaque folder replaces the layer's whole; its mark stays only over a folder below.
    const links = lookup(root, 'links') as DirectoryNode;
    expect([...links.entries.keys()]).toEqual(['only-new']);
    expect(isOpaque(links)).toBe(false);
    expect(isOpaque(lookup(root, 'shared-dir')!)).toBe(true);
    // Copy-up bookkeeping is not shipped.
    expect((lookup(root, 'files') as DirectoryNode).xattrs).toEqual([]);
    expect(changed).toEqual([
      '/brand-new',
      '/brand-new/deeper',
      '/files/small-a',
      '/links/only-new',
      '/shared-dir',
      '/shared-file',
    ]);
  });

  it("keeps the layer's own opaque mark on a folder the upper dir only added to", async () => {
    await using layer = await openSquashfs(upperImage);
    await using upper = await openSquashfs(layerImage);
    // Here the opaque `links` folder is the layer's; the upper dir merely has a `links` folder too.
    const { root } = applyOverlayUpper(layer.root, upper.root, () => null);
    const links = lookup(root, 'links') as DirectoryNode;
    expect(isOpaque(links)).toBe(true);
    expect([...links.entries.keys()]).toEqual(expect.arrayContaining(['only-new', 'original']));
  });

  it('lookupInStack: a whiteout or an opaque folder hides the layers below', async () => {
    await using upper = await openSquashfs(upperImage);
    await using below = await openSquashfs(belowImage);
    const stack = [upper.root, below.root];
    expect(lookupInStack(stack, '/shared-file')).toBeNull();
    expect(lookupInStack(stack, '/shared-dir/kept-below')).toBeNull();
    expect(lookupInStack([below.root], '/shared-dir/kept-below')).toMatchObject({ type: 'file' });
    expect(lookupInStack(stack, '/links/only-new')).toMatchObject({ type: 'file' });
  });
});
