import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/tools/exec.ts';
import { runGetfattrNames } from '../../../src/tools/attr.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-attr-'));
  await mkdir(join(dir, 'opaque'));
  await mkdir(join(dir, 'plain'));
  // What overlayfs writes into an upper dir (as root): the opaque mark and a copy-up origin.
  await runCommand(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', join(dir, 'opaque')]);
  await runCommand(['setfattr', '-n', 'user.note', '-v', 'x', join(dir, 'opaque')]);
  await symlink('opaque', join(dir, 'link'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runGetfattrNames', () => {
  it('lists every namespace, trusted.* included, and nothing for a directory without xattrs', async () => {
    expect((await runGetfattrNames(join(dir, 'opaque'))).sort()).toEqual([
      'trusted.overlay.opaque',
      'user.note',
    ]);
    expect(await runGetfattrNames(join(dir, 'plain'))).toEqual([]);
  });

  it('does not follow a symlink', async () => {
    expect(await runGetfattrNames(join(dir, 'link'))).toEqual([]);
  });
});
