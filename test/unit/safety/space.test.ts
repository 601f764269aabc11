import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoSpaceError } from '../../../src/errors.ts';
import { recoverMounts } from '../../../src/rootfs/mounts.ts';
import { mountsAtOrBelow } from '../../../src/safety/mountinfo.ts';
import {
  checkFreeSpace,
  describeEstimate,
  estimateBuildSpace,
  estimateUnpackedBytes,
  formatBytes,
  readFreeBytes,
  SPACE_HEADROOM_BYTES,
} from '../../../src/safety/space.ts';
import { runMount } from '../../../src/tools/mount.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-space-'));
});
afterEach(async () => {
  await recoverMounts(dir).catch(() => undefined);
  if (!(await mountsAtOrBelow(dir)).length) await rm(dir, { recursive: true, force: true });
});

describe('checkFreeSpace', () => {
  it('refuses on a small tmpfs with both numbers in the message', async () => {
    const small = join(dir, 'small');
    await mkdir(small);
    await runMount({ source: 'isoforge', target: small, fstype: 'tmpfs', options: ['size=4m'] });
    expect(await readFreeBytes(small)).toBe(4 * 1024 * 1024);
    await checkFreeSpace(small, 1024 * 1024, 'a small thing');
    const refusal = checkFreeSpace(small, 100 * 1024 * 1024, 'the build');
    await expect(refusal).rejects.toThrow(NoSpaceError);
    await expect(refusal).rejects.toThrow(/needs about 100\.0 MiB, 4\.0 MiB free/);
  });
});

describe('estimateBuildSpace', () => {
  it('adds unpacked layers with 10%, repacked layers, the new ISO and headroom', () => {
    const estimate = estimateBuildSpace({
      layers: [{ name: 'minimal', unpackedBytes: 1000, squashfsBytes: 300 }],
      isoBytes: 2000,
    });
    expect(estimate.totalBytes).toBe(1100 + 300 + 2000 + SPACE_HEADROOM_BYTES);
    expect(describeEstimate(estimate)).toContain('unpacked minimal 1.1 KiB');
  });

  it('takes the unpacked size from the .size file, else from the superblock', () => {
    expect(
      estimateUnpackedBytes({
        recordedSize: 778240,
        superblock: { bytesUsed: 1, inodes: 1, blockSize: 4096 },
      }),
    ).toBe(778240);
    expect(estimateUnpackedBytes({ superblock: { bytesUsed: 1000, inodes: 10, blockSize: 131072 } })).toBe(
      3000 + 40960,
    );
    expect(estimateUnpackedBytes({})).toBe(0);
  });

  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
