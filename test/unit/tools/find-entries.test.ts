import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFindEntries } from '../../../src/tools/coreutils.ts';
import { runCommand } from '../../../src/tools/exec.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'isoforge-find-'));
  await mkdir(join(root, 'etc/sub'), { recursive: true });
  await writeFile(join(root, 'etc/a name with spaces'), 'twelve bytes');
  await writeFile(join(root, 'etc/line\nbreak'), '');
  await utimes(join(root, 'etc/a name with spaces'), 1700000000.5, 1700000000.25);
  await symlink('../usr/lib/os-release', join(root, 'etc/os-release'));
  await runCommand(['mknod', join(root, 'etc/null'), 'c', '1', '3']);
  await mkdir(join(root, 'proc/self'), { recursive: true });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('runFindEntries', () => {
  it('lists every entry with type, size, mtime and mode; pruned paths and the root left out', async () => {
    const entries = await runFindEntries(root, ['/proc']);
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect([...byPath.keys()].sort()).toEqual([
      '/etc',
      '/etc/a name with spaces',
      '/etc/line\nbreak',
      '/etc/null',
      '/etc/os-release',
      '/etc/sub',
    ]);
    expect(byPath.get('/etc/a name with spaces')).toMatchObject({
      type: 'f',
      size: 12,
      mtimeMs: 1700000000250,
    });
    expect(byPath.get('/etc/a name with spaces')?.mode).toBe(0o666 & ~process.umask());
    expect(byPath.get('/etc/os-release')).toMatchObject({ type: 'l' });
    expect(byPath.get('/etc/null')).toMatchObject({ type: 'c' });
    expect(byPath.get('/etc/sub')).toMatchObject({ type: 'd' });
  });
});
