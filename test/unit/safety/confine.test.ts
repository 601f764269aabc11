import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafetyError } from '../../../src/errors.ts';
import { resolveInsideRoot, resolveRecipePath } from '../../../src/safety/confine.ts';

let dir = '';
let root = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-confine-'));
  root = join(dir, 'rootfs');
  await mkdir(join(root, 'host-etc'), { recursive: true });
  await mkdir(join(root, 'usr', 'lib'), { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveInsideRoot', () => {
  it('maps an absolute symlink (/etc -> /host-etc) into the root, not the host', async () => {
    await symlink('/host-etc', join(root, 'etc'));
    expect(await resolveInsideRoot(root, '/etc/hostname')).toBe(join(root, 'host-etc', 'hostname'));
  });

  it('stops .. at the root, in the path and in relative links', async () => {
    await symlink('../../../../../../..', join(root, 'usr', 'up'));
    expect(await resolveInsideRoot(root, '/../../etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(await resolveInsideRoot(root, '/usr/up/etc/shadow')).toBe(join(root, 'etc', 'shadow'));
  });

  it('follows relative links from their own folder, and chains of links', async () => {
    await symlink('usr/lib', join(root, 'lib'));
    await symlink('/lib', join(root, 'lib64'));
    expect(await resolveInsideRoot(root, '/lib64/modules')).toBe(join(root, 'usr', 'lib', 'modules'));
  });

  it('follows a final symlink unless followFinal is false (a resolv.conf link to replace)', async () => {
    await symlink('/run/systemd/resolve/stub-resolv.conf', join(root, 'host-etc', 'resolv.conf'));
    await symlink('/host-etc', join(root, 'etc'));
    expect(await resolveInsideRoot(root, '/etc/resolv.conf')).toBe(
      join(root, 'run', 'systemd', 'resolve', 'stub-resolv.conf'),
    );
    expect(await resolveInsideRoot(root, '/etc/resolv.conf', { followFinal: false })).toBe(
      join(root, 'host-etc', 'resolv.conf'),
    );
  });

  it('refuses a symlink loop', async () => {
    await symlink('/b', join(root, 'a'));
    await symlink('/a', join(root, 'b'));
    await expect(resolveInsideRoot(root, '/a/x')).rejects.toThrow(SafetyError);
  });
});

describe('resolveRecipePath', () => {
  let recipes = '';
  beforeEach(async () => {
    recipes = join(dir, 'recipe');
    await mkdir(join(recipes, 'files'), { recursive: true });
    await writeFile(join(recipes, 'files', 'a.conf'), 'x');
    await writeFile(join(dir, 'secret'), 'outside');
  });

  it('resolves relative paths inside the recipe folder', async () => {
    expect(await resolveRecipePath(recipes, 'files/a.conf')).toBe(join(recipes, 'files', 'a.conf'));
    expect(await resolveRecipePath(recipes, './files/../files/new.conf')).toBe(
      join(recipes, 'files', 'new.conf'),
    );
  });

  it('refuses .. and symlinks that lead out, keeps absolute paths', async () => {
    await expect(resolveRecipePath(recipes, '../secret')).rejects.toThrow(SafetyError);
    await symlink(dir, join(recipes, 'files', 'out'));
    await expect(resolveRecipePath(recipes, 'files/out/secret')).rejects.toThrow(/leads out/);
    await expect(resolveRecipePath(recipes, 'files/out/missing')).rejects.toThrow(/leads out/);
    expect(await resolveRecipePath(recipes, join(dir, 'secret'))).toBe(join(dir, 'secret'));
  });
});
