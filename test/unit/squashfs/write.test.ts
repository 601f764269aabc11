import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSquashfs } from '../../../src/squashfs/read.ts';
import { writeSquashfs } from '../../../src/squashfs/write.ts';
import { runCommand } from '../../../src/tools/exec.ts';
import { runMksquashfs, runUnsquashfsStat } from '../../../src/tools/squashfs.ts';
import { describeSquashfs, describeTree, withMountedSquashfs } from '../../support/squashfs-content.ts';
import { makeEveryInodeTree, packSquashfs } from '../../support/squashfs-trees.ts';
import { makeSyntheticTree } from './synthetic-tree.ts';

let work: string;
let tree: Awaited<ReturnType<typeof makeSyntheticTree>>;
let everyInode: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'isoforge-sqwrite-'));
  tree = await makeSyntheticTree(work);
  everyInode = await makeEveryInodeTree();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(join(everyInode, '..'), { recursive: true, force: true });
});

describe('writeSquashfs on a model tree (uncompressed source blocks)', () => {
  for (const compressor of ['gzip', 'xz'] as const) {
    it(`writes what mksquashfs writes for the same tree (${compressor})`, async () => {
      const ours = join(work, `ours-${compressor}.squashfs`);
      const theirs = join(work, `theirs-${compressor}.squashfs`);
      await runMksquashfs(tree.upper, theirs, { algorithm: compressor, blockSize: 4096 }, { processors: 1 });
      const flags = 0x80 | 0x40; // exportable, duplicates removed: mksquashfs's defaults
      const info = { compressor, blockSize: 4096, compressorOptions: null, flags };
      const result = await writeSquashfs(tree.root, ours, { info, mkfsTime: 1700000000 });

      const expected = await describeSquashfs(theirs);
      const actual = await describeSquashfs(ours);
      expect(actual.listing).toEqual(expected.listing);
      expect(actual.hashes).toEqual(expected.hashes);
      expect(actual.xattrs).toEqual(expected.xattrs);
      expect(actual.hardLinks).toEqual(['/hardlink /small']);
      expect(actual.xattrs).toContain('trusted.overlay.opaque=0seQ==');
      expect(result.metadataCompressed).toBe(compressor === 'gzip');

      const stat = await runUnsquashfsStat(ours);
      expect(stat).toMatchObject({ compression: compressor, blockSize: 4096, inodes: 710 });
      const mounted = await withMountedSquashfs(ours, describeTree);
      expect(mounted.hashes).toEqual(expected.hashes);
      expect(mounted.hardLinks).toEqual(expected.hardLinks);
      expect(mounted.xattrs).toEqual(expected.xattrs);
      // The kernel looks names up through the big directory's index entries.
      const found = await withMountedSquashfs(ours, (dir) =>
        runCommand(['readlink', join(dir, 'many/entry-with-a-longer-name-699')]),
      );
      expect(found.stdout.trim()).toBe('t699');
    });
  }
});

describe('writeSquashfs rewriting an mksquashfs image read by openSquashfs', () => {
  for (const compressor of ['gzip', 'xz', 'zstd'] as const) {
    it(`gives the same content, mountable by the kernel (${compressor})`, async () => {
      const original = await packSquashfs(everyInode, join(work, `every-${compressor}.squashfs`), {
        compressor,
      });
      const rewritten = join(work, `every-${compressor}-rewritten.squashfs`);
      await using image = await openSquashfs(original);
      const result = await writeSquashfs(image.root, rewritten, {
        info: image.info,
        mkfsTime: image.info.mkfsTime,
      });

      const expected = await describeSquashfs(original);
      const actual = await describeSquashfs(rewritten);
      expect(actual.listing).toEqual(expected.listing);
      expect(actual.hashes).toEqual(expected.hashes);
      expect(actual.xattrs).toEqual(expected.xattrs);
      expect(actual.hardLinks).toEqual(expected.hardLinks);
      expect(actual.hardLinks.length).toBeGreaterThan(0);
      expect(await runUnsquashfsStat(rewritten)).toEqual(
        await runUnsquashfsStat(original).then((s) => ({ ...s, bytesUsed: result.bytesUsed })),
      );
      const mounted = await withMountedSquashfs(rewritten, describeTree);
      expect(mounted).toEqual({
        hashes: expected.hashes,
        xattrs: expected.xattrs,
        hardLinks: expected.hardLinks,
      });
      console.log(
        `${compressor}: original ${image.info.bytesUsed} bytes, rewritten ${result.bytesUsed} bytes; ` +
          `metadata ${result.metadataBytes} bytes written (${result.metadataCompressed ? 'compressed' : 'uncompressed'}, ${result.metadataRawBytes} raw)`,
      );
    });
  }
});
