import { chmod, chown, cp, mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareLayerFiles } from '../../../src/diff/layer-files.ts';
import { runCommand } from '../../../src/tools/exec.ts';
import { BLOCK_SIZE, packSquashfs, pseudoRandomBytes } from '../../support/squashfs-trees.ts';

const MTIME = '@1609459200';
let work: string;
let imageA: string;
let imageB: string;

/** Every mtime fixed, so only the edits below differ between the two trees. */
async function fixTimes(tree: string): Promise<void> {
  await runCommand(['find', tree, '-exec', 'touch', '-h', '-d', MTIME, '{}', '+']);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'isoforge-layerfiles-'));
  const a = join(work, 'a');
  await mkdir(join(a, 'etc/conf.d'), { recursive: true });
  await mkdir(join(a, 'usr/lib/old'), { recursive: true });
  await writeFile(join(a, 'etc/hostname'), 'sample\n');
  await writeFile(join(a, 'etc/conf.d/keep'), 'unchanged\n');
  await writeFile(join(a, 'etc/mode'), 'chmod me\n');
  await writeFile(join(a, 'etc/owner'), 'chown me\n');
  await writeFile(join(a, 'usr/lib/old/gone.so'), 'removed with its folder\n');
  await writeFile(join(a, 'usr/lib/big.bin'), pseudoRandomBytes(3 * BLOCK_SIZE, 1));
  await writeFile(join(a, 'usr/lib/big-same.bin'), pseudoRandomBytes(3 * BLOCK_SIZE, 2));
  await symlink('hostname', join(a, 'etc/link'));
  const b = join(work, 'b');
  await cp(a, b, { recursive: true, verbatimSymlinks: true });
  await writeFile(join(b, 'etc/hostname'), 'remastered\n');
  await chmod(join(b, 'etc/mode'), 0o600);
  await chown(join(b, 'etc/owner'), 1000, 1000);
  await rm(join(b, 'usr/lib/old'), { recursive: true });
  await mkdir(join(b, 'opt/new'), { recursive: true });
  await writeFile(join(b, 'opt/new/tool'), 'added\n');
  // Same size, same mtime (fixed below), other bytes in the middle block: only the block sizes tell.
  const big = pseudoRandomBytes(3 * BLOCK_SIZE, 1);
  big.fill(0x41, BLOCK_SIZE, BLOCK_SIZE + 4096);
  await writeFile(join(b, 'usr/lib/big.bin'), big);
  await unlink(join(b, 'etc/link'));
  await symlink('conf.d/keep', join(b, 'etc/link'));
  await fixTimes(a);
  await fixTimes(b);
  imageA = await packSquashfs(a, join(work, 'a.sqfs'), { compressor: 'xz' });
  imageB = await packSquashfs(b, join(work, 'b.sqfs'), { compressor: 'xz' });
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('compareLayerFiles on two mksquashfs images', () => {
  it('lists the files added, removed and changed, with what changed', async () => {
    const { files, bytesReadA, bytesReadB } = await compareLayerFiles(
      { file: imageA, offset: 0 },
      { file: imageB, offset: 0 },
    );
    expect(files.added).toEqual(['/opt', '/opt/new', '/opt/new/tool']);
    expect(files.removed).toEqual(['/usr/lib/old', '/usr/lib/old/gone.so']);
    expect(files.changed).toEqual([
      { path: '/etc/hostname', fields: ['size'] },
      { path: '/etc/link', fields: ['target'] },
      { path: '/etc/mode', fields: ['mode'] },
      { path: '/etc/owner', fields: ['owner'] },
      { path: '/usr/lib/big.bin', fields: ['data'] },
    ]);
    // The tables only: far less than the images' data.
    expect(bytesReadA).toBeLessThan(4096);
    expect(bytesReadB).toBeLessThan(4096);
  });

  it('finds nothing between an image and itself', async () => {
    const { files } = await compareLayerFiles({ file: imageA, offset: 0 }, { file: imageA, offset: 0 });
    expect(files).toEqual({ added: [], removed: [], changed: [] });
  });
});
