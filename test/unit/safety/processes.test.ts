import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/errors.ts';
import {
  killProcessesRootedIn,
  killProcessesWorkingIn,
  readProcessesRootedIn,
} from '../../../src/safety/processes.ts';
import { runCommand } from '../../../src/tools/exec.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-processes-'));
});
afterEach(async () => {
  await killProcessesRootedIn(dir);
  await rm(dir, { recursive: true, force: true });
});

// Gone or a zombie waiting for its reaper: either way it runs no more.
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

async function waitUntilStopped(pids: number[]): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (!(await Promise.all(pids.map(isRunning))).some(Boolean)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

describe('runCommand with detached: true', () => {
  it('kills the whole process group on abort, grandchildren included', async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    const run = runCommand(['sh', '-c', 'sleep 300 & echo $!; sleep 301 & echo $!; wait'], {
      detached: true,
      signal: controller.signal,
      onLine: (line) => {
        pids.push(Number(line));
        if (pids.length === 2) controller.abort(new InterruptedError('SIGTERM'));
      },
    });
    await expect(run).rejects.toThrow(InterruptedError);
    expect(pids).toHaveLength(2);
    expect(await waitUntilStopped(pids)).toBe(true);
  });
});

describe('killProcessesRootedIn', () => {
  it('finds and kills a process chrooted into the folder, and nothing else', async () => {
    const root = join(dir, 'rootfs');
    await mkdir(join(root, 'bin'), { recursive: true });
    await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
    const chrooted = spawn('chroot', [root, '/bin/busybox', 'sleep', '300'], { stdio: 'ignore' });
    const outside = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      let found: number[] = [];
      for (let attempt = 0; attempt < 200 && !found.length; attempt++) {
        found = await readProcessesRootedIn(root);
        if (!found.length) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(found).toEqual([chrooted.pid]);
      expect(await killProcessesRootedIn(root)).toEqual([chrooted.pid]);
      expect(await waitUntilStopped([chrooted.pid ?? 0])).toBe(true);
      expect(await isRunning(outside.pid ?? 0)).toBe(true);
    } finally {
      outside.kill('SIGKILL');
      chrooted.kill('SIGKILL');
    }
  });
});

describe('killProcessesWorkingIn', () => {
  it('kills a listed program working on a path inside the folder, not one working elsewhere', async () => {
    await writeFile(join(dir, 'inside'), 'x');
    const worker = spawn('tail', ['-f', join(dir, 'inside')], { stdio: 'ignore' });
    const elsewhere = spawn('tail', ['-f', '/etc/os-release'], { stdio: 'ignore' });
    try {
      for (const pid of [worker.pid, elsewhere.pid]) {
        // Wait until exec has replaced the forked image, so /proc/PID/cmdline names tail.
        while (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).startsWith('tail')) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
      expect(await killProcessesWorkingIn(dir, ['tail'])).toEqual([worker.pid]);
      expect(await waitUntilStopped([worker.pid ?? 0])).toBe(true);
      expect(await isRunning(elsewhere.pid ?? 0)).toBe(true);
    } finally {
      worker.kill('SIGKILL');
      elsewhere.kill('SIGKILL');
    }
  });
});
