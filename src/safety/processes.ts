import { readdir, readFile, readlink } from 'node:fs/promises';
import { log } from '../ui/log.ts';
import { hostProc } from './host-proc.ts';
import { isAtOrBelow } from './mountinfo.ts';

/**
 * Process facts for locks and clean-up: a pid alone is not an identity (pids are reused), a pid plus
 * its start time is. Also kills whatever still runs inside a chroot before its mounts are undone.
 */

/** Field 22 of /proc/PID/stat (starttime, clock ticks since boot); pure. */
export function parseStartTime(statText: string): string | undefined {
  // The command name (field 2) is in parentheses and may hold spaces or ')': split after the last ')'.
  const rest = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

/** The start time of PID (as the host numbers processes), or undefined when no such process exists. */
export async function readProcessStartTime(pid: number): Promise<string | undefined> {
  try {
    return parseStartTime(await readFile(`${hostProc()}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when PID runs and, if START_TIME is given, is the same process that recorded it. */
export async function isProcessAlive(pid: number, startTime?: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const actual = await readProcessStartTime(pid);
  if (actual === undefined) return false;
  return startTime === undefined || actual === startTime;
}

/** Pids of every process whose root directory (chroot) is ROOT or below it. */
export async function readProcessesRootedIn(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const processRoot = await readlink(`/proc/${name}/root`).catch(() => undefined);
    if (processRoot && processRoot !== '/' && isAtOrBelow(processRoot, root)) pids.push(Number(name));
  }
  return pids;
}

/**
 * Kills (SIGKILL) every process chrooted at or below ROOT: a daemon a postinst script started must
 * not keep the chroot's mounts busy or outlive the build. Returns the pids it killed.
 */
export async function killProcessesRootedIn(root: string): Promise<number[]> {
  const pids = await readProcessesRootedIn(root);
  for (const pid of pids) {
    log.warn({ pid, root }, 'killing a process left running inside the chroot');
    signalQuietly(pid, 'SIGKILL');
  }
  return pids;
}

/**
 * Pids of processes that work on ROOT: chrooted inside it, or running one of PROGRAMS with an
 * argument at or below it (a mksquashfs whose parent was SIGKILLed keeps writing into the work dir).
 */
export async function readProcessesWorkingIn(root: string, programs: readonly string[]): Promise<number[]> {
  const pids = new Set(await readProcessesRootedIn(root));
  const names = new Set(programs);
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const program = (argv[0] ?? '').split('/').pop() ?? '';
    if (!names.has(program)) continue;
    if (argv.slice(1).some((arg) => arg.startsWith('/') && isAtOrBelow(arg, root))) pids.add(Number(name));
  }
  return [...pids];
}

/** SIGKILLs everything readProcessesWorkingIn finds: a SIGKILLed run's orphans, before recovery. */
export async function killProcessesWorkingIn(root: string, programs: readonly string[]): Promise<number[]> {
  const pids = await readProcessesWorkingIn(root, programs);
  for (const pid of pids) {
    log.warn({ pid, root }, 'killing a process a previous run left working in its work directory');
    signalQuietly(pid, 'SIGKILL');
  }
  return pids;
}

/** Sends SIGNAL to the whole process group led by PID (a child started with `detached: true`). */
export function killProcessGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  if (!pid || pid <= 1) return false;
  return signalQuietly(-pid, signal);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // ESRCH: already gone.
  }
}

/**
 * For a child started in its own process group (`detached: true`): on ABORT, SIGTERM the whole group
 * (a chroot's sh -> apt -> dpkg, not just the leader), SIGKILL it after GRACEMS. Call the returned
 * function when the leader has exited: it SIGKILLs whatever the command left behind in its group.
 */
export function guardProcessGroup(pid: number | undefined, abort?: AbortSignal, graceMs = 5_000): () => void {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    killProcessGroup(pid, 'SIGTERM');
    timer = setTimeout(() => killProcessGroup(pid, 'SIGKILL'), graceMs);
    timer.unref();
  };
  if (abort?.aborted) onAbort();
  else abort?.addEventListener('abort', onAbort, { once: true });
  return () => {
    abort?.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
    killProcessGroup(pid, 'SIGKILL');
  };
}
