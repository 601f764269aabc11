import { chmod, chown, mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeCopiedUpLeftovers } from '../../../src/layer/copy-up.ts';
import { readTreeSnapshot } from '../../../src/rootfs/snapshot.ts';
import { runCommand } from '../../../src/tools/exec.ts';
import { packSquashfs } from '../../support/squashfs-trees.ts';

let dir: string;
const LOCK_MTIME = 1_600_000_000;

/** Makes each folder of PATHS (mode 0755 unless given) under ROOT. */
async function makeDirs(root: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(join(root, path), { recursive: true });
    await chmod(join(root, path), 0o755);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-copy-up-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('removeCopiedUpLeftovers', () => {
  it("removes the upper layer's new empty folders the layers below have alike, and nothing else", async () => {
    // The layer below: a base file system, packed as squashfs (read with the TypeScript reader).
    const lowerTree = join(dir, 'lower');
    await makeDirs(lowerTree, ['/usr/sbin', '/etc/hidden', '/srv', '/var/cache/apt/archives/partial']);
    await writeFile(join(lowerTree, 'etc/hidden/file'), 'lower\n');
    await chmod(join(lowerTree, 'srv'), 0o700);
    const lower = await packSquashfs(lowerTree, join(dir, 'lower.squashfs'), { compressor: 'gzip' });

    // The upper layer before the session: only dpkg's lock file.
    const upper = join(dir, 'upper');
    await mkdir(join(upper, 'var/lib/dpkg'), { recursive: true });
    await writeFile(join(upper, 'var/lib/dpkg/lock'), '');
    await utimes(join(upper, 'var/lib/dpkg/lock'), LOCK_MTIME, LOCK_MTIME);
    const before = await readTreeSnapshot(upper);

    // What a session leaves: copy-ups, apt's partial folder given to _apt, an opaque folder
    // (rm -rf + mkdir through the overlay), a folder with another mode, a new one, a kept file.
    await makeDirs(upper, ['/usr/sbin', '/usr/share/doc', '/etc/hidden', '/srv', '/opt/new']);
    await makeDirs(upper, ['/var/cache/apt/archives/partial']);
    await chmod(join(upper, 'var/cache/apt/archives/partial'), 0o700);
    await chown(join(upper, 'var/cache/apt/archives/partial'), 42, 0);
    await runCommand(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', join(upper, 'etc/hidden')]);
    await writeFile(join(upper, 'usr/share/doc/kept'), 'recipe\n');
    await utimes(join(upper, 'var/lib/dpkg/lock'), LOCK_MTIME + 99, LOCK_MTIME + 99);
    const after = await readTreeSnapshot(upper);

    const result = await removeCopiedUpLeftovers(upper, before, after, [
      { name: 'base', file: lower, offset: 0, size: 0 },
    ]);
    expect(result.removed).toEqual([
      '/usr/sbin',
      '/var/cache',
      '/var/cache/apt',
      '/var/cache/apt/archives',
      '/var/cache/apt/archives/partial',
    ]);
    expect(result.restored).toEqual(['/var/lib/dpkg/lock']);
    expect((await stat(join(upper, 'var/lib/dpkg/lock'))).mtimeMs).toBe(LOCK_MTIME * 1000);
    // Kept: the opaque folder (it hides the lower file), another mode, nothing below, the recipe's file.
    for (const path of ['etc/hidden', 'srv', 'opt/new', 'usr/share/doc/kept']) {
      await expect(stat(join(upper, path))).resolves.toBeDefined();
    }
  });
});
