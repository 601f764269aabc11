import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressorArgsFor } from '../../../src/pipeline/compressor-args.ts';
import {
  fragmentReuse,
  graftUnchanged,
  indexFiles,
  lookup,
  reusablePaths,
} from '../../../src/squashfs/graft.ts';
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

describe('reusablePaths', () => {
  it('keeps a hard-link group only when every member is unchanged, and regular files only', async () => {
    await using original = await openSquashfs(image);
    const groups = [...indexFiles(original.root).values()];
    const group = groups.find((paths) => paths.length > 1)!;
    const single = groups.find((paths) => paths.length === 1)![0]!;
    expect(reusablePaths(original.root, [...group, single, 'links'])).toEqual([...group, single].sort());
    expect(reusablePaths(original.root, [group[0]!, `/${single}`])).toEqual([single]);
  });
});

describe('graftUnchanged', () => {
  it('puts the original FileNode (data pointing into the original) into the delta tree', async () => {
    await using original = await openSquashfs(image);
    await using delta = await openSquashfs(image);
    const path = reusablePaths(original.root, ['files/small-a'])[0]!;
    const root = graftUnchanged(delta.root, original.root, [path]);
    expect(lookup(root, path)).toBe(lookup(original.root, path));
    expect(fragmentReuse(original.root, [path])).toMatchObject({ blocks: 1, mixedBlocks: 1 });
  });

  it('refuses a path whose directory the delta lacks', async () => {
    await using original = await openSquashfs(image);
    await using delta = await openSquashfs(image);
    delta.root.entries.delete('files');
    expect(() => graftUnchanged(delta.root, original.root, ['files/one-byte'])).toThrow(
      'block reuse: the delta image has no directory for files/one-byte (was it excluded?)',
    );
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
