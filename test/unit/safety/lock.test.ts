import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockedError } from '../../../src/errors.ts';
import { acquireWorkLock, LOCK_FILE, readLockHolder } from '../../../src/safety/lock.ts';
import { parseStartTime, readProcessStartTime } from '../../../src/safety/processes.ts';

let work = '';
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'isoforge-lock-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

// A pid that is certainly dead: a child that has exited and been reaped.
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid ?? 0;
}

describe('acquireWorkLock', () => {
  it('writes the holder, refuses a second holder with LockedError naming the pid, releases on dispose', async () => {
    {
      await using _lock = await acquireWorkLock(work);
      const holder = await readLockHolder(join(work, LOCK_FILE));
      expect(holder?.pid).toBe(process.pid);
      expect(holder?.startTime).toMatch(/^\d+$/);
      const second = acquireWorkLock(work);
      await expect(second).rejects.toThrow(LockedError);
      await expect(second).rejects.toThrow(`pid ${process.pid}`);
    }
    await expect(stat(join(work, LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('takes over a lock whose pid is dead, with a message', async () => {
    await mkdir(join(work, '.isoforge'));
    const pid = await deadPid();
    await writeFile(
      join(work, LOCK_FILE),
      JSON.stringify({ pid, host: 'h', command: 'build', since: 'then' }),
    );
    const messages: string[] = [];
    await using _lock = await acquireWorkLock(work, { onMessage: (line) => messages.push(line) });
    expect(messages).toEqual([expect.stringContaining(`stale lock`)]);
    expect(messages[0]).toContain(`pid ${pid}`);
    expect((await readLockHolder(join(work, LOCK_FILE)))?.pid).toBe(process.pid);
  });

  it('takes over a lock whose pid is alive but was reused (start time differs), and a torn lock', async () => {
    await mkdir(join(work, '.isoforge'));
    const reused = { pid: process.pid, startTime: '1', host: 'h', command: 'build', since: 'then' };
    await writeFile(join(work, LOCK_FILE), JSON.stringify(reused));
    const messages: string[] = [];
    {
      await using _lock = await acquireWorkLock(work, { onMessage: (line) => messages.push(line) });
      expect(await readLockHolder(join(work, LOCK_FILE))).toMatchObject({
        pid: process.pid,
        startTime: await readProcessStartTime(process.pid),
      });
    }
    await writeFile(join(work, LOCK_FILE), '{"pid":');
    {
      await using _lock = await acquireWorkLock(work, { onMessage: (line) => messages.push(line) });
      expect((await readLockHolder(join(work, LOCK_FILE)))?.pid).toBe(process.pid);
    }
    expect(messages).toHaveLength(2);
  });

  it('does not remove a lock another run took over after ours', async () => {
    const lock = await acquireWorkLock(work);
    const other = { pid: 1, startTime: (await readFile('/proc/1/stat', 'utf8')).split(' ')[21] };
    await writeFile(
      join(work, LOCK_FILE),
      JSON.stringify({ ...other, host: 'h', command: 'x', since: 'now' }),
    );
    await lock[Symbol.asyncDispose]();
    expect((await readLockHolder(join(work, LOCK_FILE)))?.pid).toBe(1);
  });
});

describe('parseStartTime', () => {
  it('reads field 22 even when the command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, index) => String(index + 3));
    expect(parseStartTime(`1234 (a (b) c) S ${fields.slice(1).join(' ')}`)).toBe('22');
  });
});
