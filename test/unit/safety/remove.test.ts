import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafetyError } from '../../../src/errors.ts';
import { recoverMounts } from '../../../src/rootfs/mounts.ts';
import { mountsAtOrBelow } from '../../../src/safety/mountinfo.ts';
import { removeOnDevice, removeTree } from '../../../src/safety/remove.ts';
import { runMount } from '../../../src/tools/mount.ts';

let dir = '';
let work = '';
let decoy = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-remove-'));
  work = join(dir, 'work');
  decoy = join(dir, 'decoy');
  await mkdir(join(work, 'root', 'etc'), { recursive: true });
  await mkdir(decoy);
  await writeFile(join(decoy, 'precious'), 'keep me');
  await writeFile(join(work, 'root', 'etc', 'hostname'), 'x');
});

afterEach(async () => {
  await recoverMounts(dir).catch(() => undefined);
  if (!(await mountsAtOrBelow(dir)).length) await rm(dir, { recursive: true, force: true });
});

describe('removeTree', () => {
  it('deletes a plain tree inside its folder', async () => {
    await removeTree(work, { within: dir });
    expect(await readdir(dir)).toEqual(['decoy']);
  });

  it('refuses while a bind mount of a decoy is below the path, names it, and deletes nothing', async () => {
    await mkdir(join(work, 'root', 'dev'));
    await runMount({ source: decoy, target: join(work, 'root', 'dev'), bind: true });
    const attempt = removeTree(work, { within: dir });
    await expect(attempt).rejects.toThrow(SafetyError);
    await expect(attempt).rejects.toThrow(join(work, 'root', 'dev'));
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
    expect(await readFile(join(work, 'root', 'etc', 'hostname'), 'utf8')).toBe('x');
  });

  it('removes symlinks without following them, even ones pointing out of the tree', async () => {
    await symlink(decoy, join(work, 'root', 'escape'));
    await symlink('/', join(work, 'root', 'slash'));
    await removeTree(work, { within: dir });
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
    expect(await readdir(dir)).toEqual(['decoy']);
  });

  it('removes a symlink named as the path itself, not its target', async () => {
    await symlink(decoy, join(work, 'link'));
    await removeTree(join(work, 'link'), { within: work });
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
  });

  it('refuses paths outside within, also through .. and a symlinked parent', async () => {
    await expect(removeTree(decoy, { within: work })).rejects.toThrow(/outside/);
    await expect(removeTree(join(work, '..', 'decoy'), { within: work })).rejects.toThrow(/outside/);
    await symlink(dir, join(work, 'up'));
    await expect(removeTree(join(work, 'up', 'decoy'), { within: work })).rejects.toThrow(/outside/);
    await expect(removeTree(work, { within: '/' })).rejects.toThrow(SafetyError);
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
  });

  it('the walk does not enter another file system or a same-device bind mount, and reports both', async () => {
    await mkdir(join(work, 'late'));
    await runMount({ source: 'isoforge', target: join(work, 'late'), fstype: 'tmpfs' });
    await writeFile(join(work, 'late', 'inside'), 'on tmpfs');
    await mkdir(join(work, 'bound'));
    await runMount({ source: decoy, target: join(work, 'bound'), bind: true });
    // Only the bind mount is named: the tmpfs must be caught by its st_dev alone.
    const report = await removeOnDevice(work, {
      device: (await stat(work)).dev,
      mountPoints: new Set([join(work, 'bound')]),
    });
    expect(report.skipped.sort()).toEqual([join(work, 'bound'), join(work, 'late')]);
    expect(await readFile(join(work, 'late', 'inside'), 'utf8')).toBe('on tmpfs');
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
    expect(await readdir(work)).toEqual(['bound', 'late']);
  });

  it('is a no-op for a missing path, also when its folder is missing', async () => {
    await removeTree(join(work, 'missing'), { within: work });
    await removeTree(join(work, 'missing', 'child'), { within: work });
    await expect(removeTree(join(work, '..'), { within: dir })).rejects.toThrow(
      /folder deletions must stay inside/,
    );
    await expect(removeTree(`${work}/.`, { within: work })).rejects.toThrow(SafetyError);
  });
});
