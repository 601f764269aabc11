import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isAtOrBelow,
  mountsAtOrBelow,
  mountsBelow,
  parseMountInfo,
  readMountPoints,
  sortInnermostFirst,
} from '../../../src/safety/mountinfo.ts';
import { recoverMounts } from '../../../src/rootfs/mounts.ts';
import { runMount } from '../../../src/tools/mount.ts';

// Captured from a Debian 12 host, plus a mount point with a space, a tab and a backslash.
const CAPTURE = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro',
  '23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
  '88 22 0:45 / /tmp/work\\040dir/root rw,relatime - tmpfs tm\\040p rw,size=1024k',
  '89 88 8:1 /srv/decoy /tmp/work\\040dir/root/a\\011b\\134c rw,relatime master:1 shared:40 - ext4 /dev/sda1 rw',
  '',
].join('\n');

describe('parseMountInfo', () => {
  it('reads every field and undoes the octal escapes', () => {
    const entries = parseMountInfo(CAPTURE);
    expect(entries).toHaveLength(4);
    expect(entries[2]).toMatchObject({
      mountId: 88,
      parentId: 22,
      device: '0:45',
      mountPoint: '/tmp/work dir/root',
      fsType: 'tmpfs',
      source: 'tm p',
      propagation: [],
    });
    expect(entries[3]).toMatchObject({
      root: '/srv/decoy',
      mountPoint: '/tmp/work dir/root/a\tb\\c',
      propagation: ['master:1', 'shared:40'],
      fsType: 'ext4',
    });
  });

  it('skips torn lines instead of inventing mount points', () => {
    expect(parseMountInfo('22 1 8:1 / /\n\ngarbage')).toEqual([]);
  });
});

describe('path order', () => {
  it('isAtOrBelow is lexical and does not match name prefixes', () => {
    expect(isAtOrBelow('/a/b', '/a')).toBe(true);
    expect(isAtOrBelow('/a', '/a')).toBe(true);
    expect(isAtOrBelow('/ab', '/a')).toBe(false);
    expect(isAtOrBelow('/a/../b', '/a')).toBe(false);
    expect(isAtOrBelow('/anything', '/')).toBe(true);
  });

  it('sorts innermost first and removes duplicates', () => {
    expect(sortInnermostFirst(['/w/r', '/w/r/dev', '/w/r/dev/pts', '/w/r/proc', '/w/r/dev'])).toEqual([
      '/w/r/dev/pts',
      '/w/r/proc',
      '/w/r/dev',
      '/w/r',
    ]);
  });
});

describe('reading the live mount table', () => {
  let dir = '';
  afterEach(async () => {
    await recoverMounts(dir).catch(() => undefined);
    if (!(await mountsAtOrBelow(dir)).length) await rm(dir, { recursive: true, force: true });
  });

  it('sees a real tmpfs whose path holds a space, at and below, innermost first', async () => {
    dir = await mkdtemp(join(tmpdir(), 'isoforge-mountinfo-'));
    const outer = join(dir, 'with space');
    await mkdir(outer);
    await runMount({ source: 'isoforge-test', target: outer, fstype: 'tmpfs', options: ['size=1m'] });
    await mkdir(join(outer, 'inner'));
    await runMount({ source: 'isoforge-test', target: join(outer, 'inner'), fstype: 'tmpfs' });
    expect(await readMountPoints()).toContain(outer);
    expect(await mountsAtOrBelow(dir)).toEqual([join(outer, 'inner'), outer]);
    expect(await mountsBelow(outer)).toEqual([join(outer, 'inner')]);
  });
});
