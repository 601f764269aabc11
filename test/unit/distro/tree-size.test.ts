import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureTreeBytes } from '../../../src/distro/tree-size.ts';
import { runCommand } from '../../../src/tools/exec.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function du(dir: string): Promise<number> {
  const { stdout } = await runCommand(['du', '-sx', '--block-size=1', dir]);
  return Number(stdout.split('\t')[0]);
}

describe('measureTreeBytes agrees with du -sx --block-size=1', () => {
  it('on a tree with files, a sparse file, hard links, symlinks and empty folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoforge-du-'));
    dirs.push(dir);
    await mkdir(join(dir, 'a/b/c'), { recursive: true });
    await writeFile(join(dir, 'a/small'), 'x');
    await writeFile(join(dir, 'a/b/big'), Buffer.alloc(300_000, 7));
    await link(join(dir, 'a/b/big'), join(dir, 'a/hardlink'));
    await symlink('b/big', join(dir, 'a/symlink'));
    await runCommand(['truncate', '-s', '50M', join(dir, 'sparse')]);
    expect(await measureTreeBytes(dir)).toBe(await du(dir));
  });

  it('on a real system folder', async () => {
    expect(await measureTreeBytes('/usr/share/doc')).toBe(await du('/usr/share/doc'));
  });
});
