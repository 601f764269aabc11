import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { InterruptedError, RootlessUnavailableError } from '../errors.ts';
import { HOST_PROC_FD_ENV } from '../safety/host-proc.ts';
import { runCommand } from '../tools/exec.ts';
import { isRootless, ROOTLESS_ENV } from './mode.ts';
import { checkRootlessNeeds, describeMissing } from './requirements.ts';

/**
 * Rootless mode: an ordinary user's command that needs root over an image (a layer build, clean)
 * runs again inside new user, mount and PID namespaces made by util-linux unshare, root there over
 * the user's subordinate ids (newuidmap). The outer process only waits and passes signals on. The
 * inner one is the namespace's init: when it ends, however it ends, the kernel kills every process
 * left in it (squashfuse daemons, steps) and the mounts go with the namespace.
 */

/** Thrown where a command finds it must run in the namespace; main.ts runs it again there. */
export class RunInNamespace extends Error {
  constructor() {
    super('this command runs again inside a user namespace');
  }
}

const KEEPALIVE_FD = 3;
const HOST_PROC_FD = 4;
export const KEEPALIVE_ENV = 'ISOFORGE_KEEPALIVE_FD';

/**
 * For an ordinary user's command that needs root over an image: refuses with what is missing
 * (exit 4), or asks main.ts to run it again in the namespace. Root and the inner run pass through.
 */
export async function enterRootlessMode(): Promise<void> {
  if (process.getuid?.() === 0 || isRootless()) return;
  const missing = describeMissing(await checkRootlessNeeds());
  if (missing) throw new RootlessUnavailableError(missing.message, { hint: missing.hint });
  throw new RunInNamespace();
}

/** For an ordinary user's command that may need it (clean): the namespace when this machine has it, else this process. */
export async function enterRootlessModeIfReady(): Promise<void> {
  if (process.getuid?.() === 0 || isRootless()) return;
  if (describeMissing(await checkRootlessNeeds()) === undefined) throw new RunInNamespace();
}

/** The unshare command that starts ARGV as root of new user, mount and PID namespaces. */
export function namespaceArgv(argv: readonly string[]): string[] {
  return [
    'unshare',
    '--user',
    '--map-auto',
    '--map-root-user',
    '--mount',
    '--pid',
    '--fork',
    '--mount-proc',
    '--kill-child=SIGTERM',
    '--',
    ...argv,
  ];
}

/**
 * Runs this isoforge command (ARGV as main got it) again in the namespace; returns its exit code.
 * The inner run holds one end of a pipe (fd 3) and ends itself when it closes: this process was
 * killed. It also gets the host's /proc (fd 4), so that its locks name processes as the host sees them.
 */
export async function runInNamespace(argv: readonly string[], abort: AbortSignal): Promise<number> {
  const hostProc = openSync('/proc', 'r');
  let unsharePid: number | undefined;
  const forward = () => void signalInner(unsharePid, abort.reason);
  abort.addEventListener('abort', forward, { once: true });
  try {
    const command = [process.execPath, ...process.execArgv, ...argv.slice(1)];
    const result = await runCommand(namespaceArgv(command), {
      interactive: true,
      reportFd: true,
      shareFds: [hostProc],
      env: {
        [ROOTLESS_ENV]: '1',
        [KEEPALIVE_ENV]: String(KEEPALIVE_FD),
        [HOST_PROC_FD_ENV]: String(HOST_PROC_FD),
      },
      okExitCodes: ALL_EXIT_CODES,
      onSpawn: (pid) => (unsharePid = pid),
    });
    return result.exitCode;
  } finally {
    abort.removeEventListener('abort', forward);
    closeSync(hostProc);
  }
}

const ALL_EXIT_CODES = Array.from({ length: 255 }, (_, index) => index + 1);

// unshare waits with SIGINT and SIGTERM blocked: the signal goes to its child, the inner isoforge.
async function signalInner(unsharePid: number | undefined, reason: unknown): Promise<void> {
  if (unsharePid === undefined) return;
  const signal = reason instanceof InterruptedError ? (reason.signalName as NodeJS.Signals) : 'SIGTERM';
  const children = await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').catch(() => '');
  for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), signal);
    } catch {
      // Already gone.
    }
  }
}

/** In the inner run: calls ONLOST when the outer process is gone (its end of the pipe closed). */
export function watchOuterProcess(onLost: () => void): void {
  const fd = Number(process.env[KEEPALIVE_ENV]);
  if (!isRootless() || !Number.isInteger(fd)) return;
  const pipe = new Socket({ fd, readable: true, writable: false });
  pipe.on('end', onLost);
  pipe.on('error', onLost);
  pipe.unref();
}
