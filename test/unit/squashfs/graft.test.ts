import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressorArgsFor } from '../../../src/layer/compressor-args.ts';
import { fragmentReuse, indexFiles, lookup } from '../../../src/squashfs/graft.ts';
import { openSquashfs } from '../../../src/squashfs/read.ts';
import { makeEveryInodeTree, packSquashfs } from '../../support/squashfs-trees.ts';

let work: string;
let tree: string;
let image: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'isoforge-graft-'));
  tree = await makeEveryInodeTree();
  image = await packSquashfs(tree, join(work, 'every.squashfs'), { compressor: 'gzip' });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(join(tree, '..'), { recursive: true, force: true });
});

describe('fragmentReuse', () => {
  it('counts a fragment block kept for one file and shared with others as mixed', async () => {
    await using original = await openSquashfs(image);
    const groups = [...indexFiles(original.root).values()];
    expect(groups.some((paths) => paths.length > 1)).toBe(true);
    expect(lookup(original.root, 'files/small-a')).toMatchObject({ type: 'file' });
    expect(fragmentReuse(original.root, ['files/small-a'])).toMatchObject({ blocks: 1, mixedBlocks: 1 });
    expect(fragmentReuse(original.root, [])).toMatchObject({ blocks: 0, bytes: 0 });
  });
});

describe('compressorArgsFor', () => {
  const cases = [
    { compressor: 'xz', extraArgs: ['-Xbcj', 'x86,arm', '-Xdict-size', '65536'] },
    { compressor: 'gzip', extraArgs: ['-Xcompression-level', '6', '-Xwindow-size', '12'] },
    { compressor: 'zstd', extraArgs: ['-Xcompression-level', '19'] },
  ] as const;
  for (const { compressor, extraArgs } of cases) {
    it(`reproduces the compressor options block of an mksquashfs ${compressor} image (${extraArgs.join(' ')})`, async () => {
      const first = await packSquashfs(join(tree, 'files'), join(work, `${compressor}-a.squashfs`), {
        compressor,
        extraArgs,
      });
      await using a = await openSquashfs(first);
      const args = compressorArgsFor(compressor, a.info.compressorOptions);
      expect(args).not.toBeNull();
      const second = await packSquashfs(join(tree, 'links'), join(work, `${compressor}-b.squashfs`), {
        compressor,
        extraArgs: args!,
      });
      await using b = await openSquashfs(second);
      expect(a.info.compressorOptions).not.toBeNull();
      expect(Buffer.from(b.info.compressorOptions!)).toEqual(Buffer.from(a.info.compressorOptions!));
    });
  }
});
