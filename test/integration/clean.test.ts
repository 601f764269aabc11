import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverMounts } from '../../src/rootfs/mounts.ts';
import { mountsAtOrBelow } from '../../src/safety/mountinfo.ts';
import { runMount } from '../../src/tools/mount.ts';

const BIN = resolve('bin/isoforge');
let dir = '';
let work = '';
let decoy = '';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function isoforge(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(BIN, args, { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-clean-'));
  work = join(dir, 'work');
  decoy = join(dir, 'decoy');
  await mkdir(join(work, '.isoforge'), { recursive: true });
  await mkdir(join(work, 'rootfs', 'dev'), { recursive: true });
  await mkdir(join(work, 'rootfs', 'proc'), { recursive: true });
  await mkdir(decoy);
  await writeFile(join(decoy, 'precious'), 'keep me');
});

afterEach(async () => {
  await recoverMounts(dir).catch(() => undefined);
  if (!(await mountsAtOrBelow(dir)).length) await rm(dir, { recursive: true, force: true });
});

describe('isoforge clean', () => {
  it('undoes a leftover decoy bind mount and proc innermost first, reports them, keeps the decoy', async () => {
    await runMount({ source: decoy, target: join(work, 'rootfs', 'dev'), bind: true });
    await runMount({ source: 'proc', target: join(work, 'rootfs', 'proc'), fstype: 'proc' });
    const run = await isoforge(['clean', '--workdir', work]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`unmounted ${join(work, 'rootfs', 'dev')}`);
    expect(run.stdout).toContain(`unmounted ${join(work, 'rootfs', 'proc')}`);
    expect(run.stdout).toContain(`removed ${work}`);
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
    expect(await readdir(dir)).toEqual(['decoy']);
    expect(await mountsAtOrBelow(dir)).toEqual([]);
  });

  it('refuses (exit 6) and deletes nothing when a mount cannot be undone', async () => {
    await runMount({ source: decoy, target: join(work, 'rootfs', 'dev'), bind: true });
    // Fault injection: an umount that always fails, first on PATH.
    const fakeBin = join(dir, 'bin');
    await mkdir(fakeBin);
    await writeFile(join(fakeBin, 'umount'), '#!/bin/sh\necho "umount: $*: target is busy" >&2\nexit 32\n');
    await chmod(join(fakeBin, 'umount'), 0o755);
    const run = await isoforge(['clean', '--workdir', work], { PATH: `${fakeBin}:${process.env.PATH}` });
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(join(work, 'rootfs', 'dev'));
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
    expect(await readFile(join(work, 'rootfs', 'dev', 'precious'), 'utf8')).toBe('keep me');
  });

  it('refuses a folder that is not a work directory (exit 6)', async () => {
    const run = await isoforge(['clean', '--workdir', decoy]);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/not an isoforge work directory/);
    expect(await readFile(join(decoy, 'precious'), 'utf8')).toBe('keep me');
  });

  it('refuses (exit 8) while another live process holds the lock', async () => {
    const holder = { pid: 1, startTime: (await readFile('/proc/1/stat', 'utf8')).split(' ')[21] };
    await writeFile(
      join(work, '.isoforge', 'lock'),
      JSON.stringify({ ...holder, host: 'h', command: 'build', since: 'x' }),
    );
    const run = await isoforge(['clean', '--workdir', work]);
    expect(run.code).toBe(8);
    expect(run.stderr).toContain('pid 1');
  });

  it('empties a work dir that is itself a mount point but leaves that mount alone', async () => {
    await runMount({ source: 'isoforge', target: work, fstype: 'tmpfs' });
    await mkdir(join(work, '.isoforge'));
    await mkdir(join(work, 'rootfs'));
    await writeFile(join(work, 'rootfs', 'file'), 'x');
    const run = await isoforge(['clean', '--workdir', work]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('emptied');
    expect(await mountsAtOrBelow(work)).toEqual([work]);
    expect(await readdir(work)).toEqual([]);
    await recoverMounts(dir);
  });
});
