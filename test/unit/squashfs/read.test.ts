import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.ts';
import { openSquashfs } from '../../../src/squashfs/read.ts';
import type { PackOptions } from '../../support/squashfs-trees.ts';
import {
  BIG_DIRECTORY_ENTRIES,
  BLOCK_SIZE,
  makeEveryInodeTree,
  packSquashfs,
} from '../../support/squashfs-trees.ts';
import { renderUnsquashfsListing } from '../../support/squashfs-listing.ts';
import {
  getfattrDump,
  modelXattrs,
  regularFiles,
  sha256,
  sha256OfFile,
  unsquashfsExtract,
  unsquashfsListing,
  walkTree,
} from '../../support/squashfs-compare.ts';

const IMAGES: (PackOptions & { name: string })[] = [
  { name: 'gzip', compressor: 'gzip' },
  { name: 'xz', compressor: 'xz' },
  { name: 'lzma', compressor: 'lzma' },
  { name: 'zstd', compressor: 'zstd' },
  { name: 'lz4', compressor: 'lz4' },
  { name: 'gzip -b 4096', compressor: 'gzip', extraArgs: ['-b', '4096'] },
  { name: 'xz -no-fragments', compressor: 'xz', extraArgs: ['-no-fragments'] },
  { name: 'zstd -always-use-fragments', compressor: 'zstd', extraArgs: ['-always-use-fragments'] },
  // Ubuntu builds its layers with the x86 BCJ filter in the xz stream; it also writes an options block.
  { name: 'xz -Xbcj x86', compressor: 'xz', extraArgs: ['-Xbcj', 'x86'] },
];

/** Bytes of the compressor options block mksquashfs writes: lz4 always (its format version), xz when -X options are set. */
function optionsBlockSize(options: PackOptions): number {
  if (options.compressor === 'lz4') return 8;
  return options.extraArgs?.some((arg) => arg.startsWith('-X')) ? 8 : 0;
}

let tree: string;
let work: string;

beforeAll(async () => {
  tree = await makeEveryInodeTree();
  work = await mkdtemp(join(tmpdir(), 'isoforge-sqread-'));
}, 120_000);

afterAll(async () => {
  if (tree) await rm(dirname(tree), { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(IMAGES)('squashfs reader on a mksquashfs image with every kind of inode ($name)', (options) => {
  let image: string;
  let extracted: string;

  beforeAll(async () => {
    const slug = options.name.replace(/[^a-z0-9]+/g, '-');
    image = await packSquashfs(tree, join(work, `${slug}.sqfs`), options);
    extracted = join(work, `${slug}-extracted`);
    await unsquashfsExtract(image, extracted);
  }, 120_000);

  it('lists the tree exactly as unsquashfs -lln does', async () => {
    await using squashfs = await openSquashfs(image);
    const listing = renderUnsquashfsListing(squashfs.root, (node) => squashfs.directorySize(node));
    expect(listing).toEqual(await unsquashfsListing(image));
    expect(listing.length).toBeGreaterThan(BIG_DIRECTORY_ENTRIES);
  });

  it('reads every regular file to the bytes unsquashfs extracts', async () => {
    await using squashfs = await openSquashfs(image);
    const files = regularFiles(squashfs.root);
    expect(files.size).toBeGreaterThan(2000);
    for (const [path, node] of files) {
      expect({ path, sha256: sha256(await squashfs.readFile(node)) }).toEqual({
        path,
        sha256: await sha256OfFile(join(extracted, path)),
      });
    }
  });

  it('resolves the xattrs getfattr finds on the extracted tree', async () => {
    await using squashfs = await openSquashfs(image);
    const xattrs = modelXattrs(squashfs.root);
    expect(xattrs).toEqual(await getfattrDump(extracted));
    expect(xattrs.get('xattrs/file')).toContain(
      'security.capability=0x0100000200200000000000000000000000000000',
    );
    expect(xattrs.get('xattrs/fifo')).toEqual(['trusted.fifo=0x6f6e2061206669666f']);
    expect(xattrs.get('xattrs/symlink')).toEqual(['trusted.link=0x6f6e20612073796d6c696e6b']);
  });

  it('shares one node between hard links and keeps the superblock facts', async () => {
    await using squashfs = await openSquashfs(image);
    const nodes = walkTree(squashfs.root);
    expect(nodes.get('links/hard-link')).toBe(nodes.get('links/original'));
    expect(nodes.get('hard-link-elsewhere')).toBe(nodes.get('links/original'));
    expect(nodes.get('links/symlink')).not.toBe(nodes.get('links/original'));
    const blockSize = options.extraArgs?.includes('4096') ? 4096 : BLOCK_SIZE;
    expect(squashfs.info).toMatchObject({
      file: image,
      offset: 0,
      compressor: options.compressor,
      blockSize,
    });
    expect(squashfs.info.compressorOptions?.length ?? 0).toBe(optionsBlockSize(options));
  });
});

describe('squashfs reader on damaged images', () => {
  let image: Uint8Array;

  beforeAll(async () => {
    const packed = await packSquashfs(tree, join(work, 'damaged-source.sqfs'), { compressor: 'gzip' });
    // A plain Uint8Array: slice() of a Buffer is a view, and each test's damage would stick.
    image = new Uint8Array(await readFile(packed));
  }, 120_000);

  async function openBytes(bytes: Uint8Array, name: string): Promise<unknown> {
    const path = join(work, name);
    await writeFile(path, bytes);
    try {
      await using squashfs = await openSquashfs(path);
      for (const [path, node] of regularFiles(squashfs.root)) {
        if (path.startsWith('files/')) await squashfs.readFile(node);
      }
      return 'read';
    } catch (error) {
      return error;
    }
  }

  it('names the bad magic', async () => {
    const flipped = image.slice();
    flipped[0] = (flipped[0] ?? 0) ^ 0xff;
    const error = await openBytes(flipped, 'bad-magic.sqfs');
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe('not a squashfs image: bad superblock magic');
  });

  it('names a truncated image and how much is missing', async () => {
    const error = await openBytes(image.subarray(0, Math.floor(image.length / 2)), 'truncated.sqfs');
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^squashfs image is truncated: the superblock says \\d+ bytes, .* has ${Math.floor(image.length / 2)} from offset 0$`,
      ),
    );
  });

  it('names a truncated superblock', async () => {
    const error = await openBytes(image.subarray(0, 50), 'no-superblock.sqfs');
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe(
      'squashfs superblock is truncated: needs image bytes 0..96, the image has 50',
    );
  });

  it('gives a FormatError, never a RangeError, for bytes damaged anywhere in the tables', async () => {
    const tablesStart = Number(new DataView(image.buffer, image.byteOffset).getBigUint64(64, true));
    const outcomes = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const damaged = image.slice();
      // Deterministic positions over the inode, directory, fragment, id and xattr tables.
      const position = tablesStart + ((i * 7919) % (image.length - tablesStart));
      damaged[position] = (damaged[position] ?? 0) ^ (1 << (i % 8));
      const outcome = await openBytes(damaged, 'damaged.sqfs');
      if (outcome !== 'read' && !(outcome instanceof FormatError)) throw outcome;
      outcomes.add(outcome === 'read' ? 'read' : 'FormatError');
    }
    expect(outcomes).toContain('FormatError');
  }, 120_000);
});
