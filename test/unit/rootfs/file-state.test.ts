import { chown, lstat, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileState, restoreFileState } from '../../../src/rootfs/session.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-file-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OLD = new Date('2024-08-01T12:00:00Z');

describe('readFileState and restoreFileState', () => {
  it('put a file back with its content, mode, owner and times, as a package left it', async () => {
    const path = join(dir, 'hostname');
    await writeFile(path, 'ubuntu-server\n', { mode: 0o644 });
    await chown(path, 1234, 5678);
    await utimes(path, OLD, OLD);
    const state = await readFileState(path);
    await rm(path);
    await writeFile(path, 'build-host\n');
    await restoreFileState(path, state);
    const info = await lstat(path);
    expect(await readFile(path, 'utf8')).toBe('ubuntu-server\n');
    expect([info.mode & 0o7777, info.uid, info.gid, info.mtime.toISOString()]).toEqual([
      0o644,
      1234,
      5678,
      OLD.toISOString(),
    ]);
  });

  it('put a symlink back with its target and time, and remove a file that was absent', async () => {
    const link = join(dir, 'resolv.conf');
    await symlink('../run/systemd/resolve/stub-resolv.conf', link);
    const state = await readFileState(link);
    await rm(link);
    await writeFile(link, 'nameserver 10.0.0.1\n');
    await restoreFileState(link, state);
    expect(await readlink(link)).toBe('../run/systemd/resolve/stub-resolv.conf');
    expect((await lstat(link)).mtime).toEqual(state.kind === 'symlink' ? state.mtime : null);
    const absent = await readFileState(join(dir, 'machine-id'));
    await writeFile(join(dir, 'machine-id'), 'abc\n');
    await restoreFileState(join(dir, 'machine-id'), absent);
    await expect(lstat(join(dir, 'machine-id'))).rejects.toThrow(/ENOENT/);
  });
});
