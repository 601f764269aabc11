import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockedError } from '../errors.ts';
import { log } from '../ui/log.ts';
import { isProcessAlive, readProcessStartTime } from './processes.ts';
import { hostPid } from './host-proc.ts';

/** What the lock file holds: enough to tell a live holder from a dead one whose pid was reused. */
export interface LockHolder {
  pid: number;
  startTime?: string;
  host: string;
  command: string;
  since: string;
}

export const LOCK_FILE = '.isoforge/lock';

export interface LockOptions {
  /** Told when a stale lock (its holder is gone) is taken over; the default prints on stderr. */
  onMessage?: (line: string) => void;
}

/**
 * Makes two isoforge runs on one work directory impossible: an exclusively created lock file with the holder's
 * pid and start time. A lock whose holder is gone is taken over, with a message.
 */
export async function acquireWorkLock(workDir: string, options: LockOptions = {}): Promise<AsyncDisposable> {
  await mkdir(join(workDir, '.isoforge'), { recursive: true });
  const file = join(workDir, LOCK_FILE);
  const me = await describeSelf();
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(file, me)) return makeRelease(file, me);
    const holder = await readLockHolder(file);
    if (holder && (await isProcessAlive(holder.pid, holder.startTime))) {
      throw new LockedError(
        `the work directory ${workDir} is in use by isoforge pid ${holder.pid} (${holder.command}, since ${holder.since})`,
        { hint: 'wait for it to finish, or use another --workdir' },
      );
    }
    await takeOverStale(file, holder, options.onMessage ?? printOnStderr);
  }
  throw new LockedError(`could not lock ${file}: other runs keep taking it`, { hint: 'try again' });
}

async function describeSelf(): Promise<LockHolder> {
  return {
    pid: hostPid(),
    startTime: await readProcessStartTime(hostPid()),
    host: hostname(),
    command: process.argv.slice(2).join(' ') || 'isoforge',
    since: new Date().toISOString(),
  };
}

// The lock appears complete or not at all: written to a private name, then link(2)ed into place,
// which fails with EEXIST like O_EXCL, so a concurrent reader never sees an empty lock and takes it.
async function createExclusive(file: string, me: LockHolder): Promise<boolean> {
  const draft = `${file}.${hostPid()}.tmp`;
  const handle = await open(draft, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(me)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/** The holder recorded in a lock FILE; undefined when missing or torn (a writer killed mid-write). */
export async function readLockHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as LockHolder;
    return Number.isInteger(parsed.pid) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

// Two runs may find the same stale lock. Renaming it away is atomic, so only one of them moves the
// stale file; the other's rename then moves the winner's fresh lock, which it checks and puts back.
async function takeOverStale(file: string, stale: LockHolder | undefined, notify: (line: string) => void) {
  const aside = `${file}.stale-${hostPid()}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readLockHolder(aside);
  if (moved && (await isProcessAlive(moved.pid, moved.startTime))) {
    // A live run's lock: put it back without overwriting (link fails if a third run locked meanwhile).
    await link(aside, file).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return;
  }
  await unlink(aside).catch(() => undefined);
  const who = stale ? `pid ${stale.pid} (${stale.command}, since ${stale.since})` : 'an unreadable holder';
  notify(`isoforge: taking over the stale lock ${file}: ${who} is no longer running`);
  log.warn({ file, stale }, 'took over a stale work directory lock');
}

function makeRelease(file: string, me: LockHolder): AsyncDisposable {
  let released = false;
  return {
    async [Symbol.asyncDispose]() {
      if (released) return;
      released = true;
      const holder = await readLockHolder(file);
      // Only remove the lock if it is still ours (never another run's after a takeover).
      if (holder?.pid === me.pid && holder.startTime === me.startTime)
        await unlink(file).catch(() => undefined);
    },
  };
}

function printOnStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
