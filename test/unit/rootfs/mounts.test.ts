import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafetyError } from '../../../src/errors.ts';
import { MountStack, readMountJournal, recoverMounts } from '../../../src/rootfs/mounts.ts';
import { mountsAtOrBelow, readMountInfo } from '../../../src/safety/mountinfo.ts';
import { runMount, runUmount } from '../../../src/tools/mount.ts';

let dir = '';
let work = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-mounts-'));
  work = join(dir, 'work');
  await mkdir(join(work, 'root', 'proc'), { recursive: true });
  await mkdir(join(work, 'root', 'dev'), { recursive: true });
});

afterEach(async () => {
  await recoverMounts(dir).catch(() => undefined); // leaves nothing mounted even when a test failed
  if (!(await mountsAtOrBelow(dir)).length) await rm(dir, { recursive: true, force: true });
});

describe('MountStack', () => {
  it('mounts, journals before mounting, and unmounts everything in reverse order on dispose', async () => {
    {
      await using mounts = await MountStack.open(work);
      await mounts.mount({ source: 'isoforge', target: join(work, 'root'), fstype: 'tmpfs' });
      await mkdir(join(work, 'root', 'dev'));
      await mounts.mount({ source: '/dev', target: join(work, 'root', 'dev'), bind: true, recursive: true });
      expect((await readMountJournal(work))?.mounts.map((m) => m.target)).toEqual([
        join(work, 'root'),
        join(work, 'root', 'dev'),
      ]);
      expect(await mountsAtOrBelow(join(work, 'root', 'dev', 'pts'))).toEqual([
        join(work, 'root', 'dev', 'pts'),
      ]);
      const copy = (await readMountInfo()).find((entry) => entry.mountPoint === join(work, 'root', 'dev'));
      expect(copy?.propagation.some((field) => field.startsWith('shared:'))).toBe(false);
    }
    expect(await mountsAtOrBelow(work)).toEqual([]);
    expect((await readMountJournal(work))?.mounts).toEqual([]);
    // The host's own /dev/pts survived the recursive unmount of the copy.
    expect((await readMountInfo()).some((entry) => entry.mountPoint === '/dev/pts')).toBe(true);
  });

  it('unmountAll is idempotent', async () => {
    const mounts = await MountStack.open(work);
    await mounts.mount({ source: 'isoforge', target: join(work, 'root'), fstype: 'tmpfs' });
    await mounts.unmountAll();
    await mounts.unmountAll();
    expect(await mountsAtOrBelow(work)).toEqual([]);
  });

  it('refuses targets outside the work dir, the work dir itself, missing ones and symlink escapes', async () => {
    await using mounts = await MountStack.open(work);
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await symlink(outside, join(work, 'root', 'escape'));
    const tmpfs = { source: 'isoforge', fstype: 'tmpfs' };
    await expect(mounts.mount({ ...tmpfs, target: outside })).rejects.toThrow(SafetyError);
    await expect(mounts.mount({ ...tmpfs, target: work })).rejects.toThrow(SafetyError);
    await expect(mounts.mount({ ...tmpfs, target: join(work, 'missing') })).rejects.toThrow(/does not exist/);
    await expect(mounts.mount({ ...tmpfs, target: join(work, 'root', 'escape') })).rejects.toThrow(
      /not inside/,
    );
    expect(await mountsAtOrBelow(dir)).toEqual([]);
  });

  it('falls back to a lazy unmount when the mount is busy', async () => {
    const mounts = await MountStack.open(work);
    await mounts.mount({ source: 'isoforge', target: join(work, 'root'), fstype: 'tmpfs' });
    await writeFile(join(work, 'root', 'busy'), 'x');
    const { open } = await import('node:fs/promises');
    const handle = await open(join(work, 'root', 'busy'), 'r');
    try {
      await mounts.unmountAll();
      expect(await mountsAtOrBelow(work)).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});

describe('recoverMounts', () => {
  it('undoes mounts found only in mountinfo (no journal), innermost first, but never the work dir itself', async () => {
    await runMount({ source: 'isoforge', target: work, fstype: 'tmpfs' }); // the user's own file system
    await mkdir(join(work, 'root', 'dev'), { recursive: true });
    await runMount({ source: 'isoforge', target: join(work, 'root'), fstype: 'tmpfs' });
    await mkdir(join(work, 'root', 'dev'));
    await runMount({ source: '/dev', target: join(work, 'root', 'dev'), bind: true, recursive: true });
    await runMount({ source: '/dev', target: join(work, 'root', 'dev'), bind: true }); // stacked twice
    const undone = await recoverMounts(work);
    const dev = join(work, 'root', 'dev');
    expect(undone.slice(0, 2).sort()).toEqual([join(dev, 'pts'), join(dev, 'shm')]);
    expect(undone.at(-1)).toBe(join(work, 'root'));
    expect(await mountsAtOrBelow(work)).toEqual([work]);
    expect(JSON.parse(await readFile(join(work, '.isoforge', 'mounts.json'), 'utf8')).mounts).toEqual([]);
    await runUmount(work);
  });

  it('returns nothing for a missing or clean work dir', async () => {
    expect(await recoverMounts(join(dir, 'missing'))).toEqual([]);
    expect(await recoverMounts(work)).toEqual([]);
  });
});

describe('journal shared by two stacks on one work dir', () => {
  it('lists the mounts of both stacks, and drops each as it is undone', async () => {
    await using layers = await MountStack.open(work);
    await layers.mount({ source: 'isoforge', target: join(work, 'root'), fstype: 'tmpfs' });
    await mkdir(join(work, 'root', 'proc'));
    {
      await using chroot = await MountStack.open(work);
      await chroot.mount({ source: 'proc', target: join(work, 'root', 'proc'), fstype: 'proc' });
      expect((await readMountJournal(work))?.mounts.map((m) => m.target)).toEqual([
        join(work, 'root'),
        join(work, 'root', 'proc'),
      ]);
    }
    expect((await readMountJournal(work))?.mounts.map((m) => m.target)).toEqual([join(work, 'root')]);
  });
});

describe('processes left inside a mounted root', () => {
  it('are killed when the stack unmounts, so the mounts are not held busy by them', async () => {
    const { spawn } = await import('node:child_process');
    const { copyFile } = await import('node:fs/promises');
    const { readProcessesRootedIn } = await import('../../../src/safety/processes.ts');
    const mounts = await MountStack.open(work);
    const root = join(work, 'root');
    await mounts.mount({ source: 'isoforge', target: root, fstype: 'tmpfs' });
    await mkdir(join(root, 'bin'));
    await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
    // setsid: a daemon in its own session and process group, as a postinst might start one.
    const daemon = spawn('setsid', ['chroot', root, '/bin/busybox', 'sleep', '300'], { stdio: 'ignore' });
    while (!(await readProcessesRootedIn(root)).length)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await mounts.unmountAll();
    expect(await mountsAtOrBelow(work)).toEqual([]);
    let left = await readProcessesRootedIn(root);
    for (let attempt = 0; attempt < 100 && left.length; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10)); // SIGKILL is delivered asynchronously
      left = await readProcessesRootedIn(root);
    }
    expect(left).toEqual([]);
    daemon.kill('SIGKILL');
  });
});
