import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { CommandFailedError } from '../errors.ts';
import { resolveInsideRoot } from '../safety/confine.ts';
import { makeBwrapArgs, type BwrapSpec } from '../tools/bwrap.ts';
import { CHROOT_ENV } from '../tools/coreutils.ts';
import { runCommand } from '../tools/exec.ts';

/**
 * The sandbox every step's programs run in: bubblewrap, one per command. New PID, mount, IPC and
 * UTS namespaces (cgroup too where the kernel has it): the command sees the layer's root, its own
 * /proc, a minimal /dev, the host's /sys read-only, the session's own /run, and none of the host's mounts
 * or processes. When it ends the kernel ends every process it started (the namespace's init is
 * gone), and isoforge's abort ends the sandbox with it (--die-with-parent).
 */

/**
 * What package scripts need of root and no more: Docker's default set (the one most package
 * scripts are known to run under) without CAP_MKNOD (a device node in the layer could reach the
 * host's disks) and CAP_NET_RAW. No CAP_SYS_ADMIN: a step cannot mount, set the host name or load
 * a module.
 */
export const STEP_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_SETFCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_AUDIT_WRITE',
] as const;

export type StepNetwork = BwrapSpec['network'];

/** What stays the same for every command of one session: the root, its host name, the binds. */
export type SandboxSpec = Pick<BwrapSpec, 'root' | 'hostname' | 'run' | 'binds'>;

/** A process a command left running; the sandbox ended it. */
export interface EndedProcess {
  pid: number;
  command: string;
}

/**
 * Runs "$@" with fd 3 closed, then lists on fd 3 every process of the namespace still running but
 * the init (1) and itself, and exits with the command's status. The loops use shell builtins only
 * (nothing new starts). When something is left, the image's sleep first lets a process the
 * command forked at its very end reach its exec, so the list names the program, not the shell.
 */
const EACH_OTHER_PROCESS = 'for p in /proc/[0-9]*; do n=${p#/proc/}; case $n in 1|$$) continue;; esac;';
const LEFT_RUNNING_WRAPPER = [
  '"$@" 3>&-',
  's=$?',
  `left=; ${EACH_OTHER_PROCESS} [ -r "$p/comm" ] && left=1; done`,
  '[ -z "$left" ] || sleep 0.2 2>/dev/null',
  `${EACH_OTHER_PROCESS} read -r c < "$p/comm" 2>/dev/null || continue; echo "$n $c" >&3; done`,
  'exit $s',
].join('; ');

/** The image's own host name: the first line of its /etc/hostname, when it is a valid one. */
export async function readImageHostname(root: string): Promise<string> {
  const file = await resolveInsideRoot(root, '/etc/hostname');
  const name = (await readFile(file, 'utf8').catch(() => '')).split('\n')[0]?.trim() ?? '';
  return /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(name) ? name : 'localhost';
}

/** The bwrap argv of ARGV in SPEC's sandbox (also what --dry-run prints). */
export function sandboxArgv(
  spec: SandboxSpec,
  argv: readonly string[],
  options: { network?: StepNetwork } = {},
): string[] {
  return makeBwrapArgs(
    { ...spec, network: options.network ?? 'host', capabilities: STEP_CAPABILITIES },
    argv,
  );
}

export function parseEndedProcesses(report: string): EndedProcess[] {
  return report
    .split('\n')
    .map((line) => /^(\d+) (.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), command: match[2] ?? '' }));
}

/** Runs ARGV in the sandbox with a clean environment; returns its output and what it left running. */
export async function runInSandbox(
  spec: SandboxSpec,
  argv: readonly string[],
  options: {
    signal?: AbortSignal;
    onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
    env?: Record<string, string>;
    network?: StepNetwork;
  } = {},
): Promise<{ stdout: string; ended: EndedProcess[] }> {
  const result = await runCommand(sandboxArgv(spec, wrapped(argv), options), {
    env: { ...CHROOT_ENV, ...options.env },
    cleanEnv: true,
    signal: options.signal,
    onLine: options.onLine,
    detached: true,
    reportFd: true,
  }).catch((error: unknown) => {
    throw error instanceof CommandFailedError ? failedInSandbox(argv, error) : error;
  });
  return { stdout: result.stdout, ended: parseEndedProcesses(result.report ?? '') };
}

/**
 * The failure named after the program the step ran, not bwrap; bwrap's 128+N (its command killed
 * by signal N, e.g. a step's `kill -9 -1` that reached the wrapper) said as that signal.
 */
function failedInSandbox(argv: readonly string[], error: CommandFailedError): CommandFailedError {
  const status = error.exitStatus;
  const killedBy =
    status !== undefined && status > 128
      ? Object.entries(constants.signals).find(([, number]) => number === status - 128)?.[0]
      : undefined;
  return new CommandFailedError(
    argv,
    killedBy ? undefined : status,
    killedBy ?? error.signal,
    error.stderrTail,
    {
      cause: error,
    },
  );
}

/** Runs ARGV in the sandbox with the user's terminal attached; returns its exit code and what it left running. */
export async function runInSandboxInteractive(
  spec: SandboxSpec,
  argv: readonly string[],
  options: { signal?: AbortSignal; env?: Record<string, string>; network?: StepNetwork } = {},
): Promise<{ exitCode: number; ended: EndedProcess[] }> {
  const { exitCode, report } = await runCommand(sandboxArgv(spec, wrapped(argv), options), {
    env: { ...CHROOT_ENV, ...options.env },
    cleanEnv: true,
    signal: options.signal,
    interactive: true,
    reportFd: true,
    // The user may leave the shell with any status: it is reported, not a failure.
    okExitCodes: Array.from({ length: 255 }, (_, i) => i + 1),
  });
  return { exitCode, ended: parseEndedProcesses(report ?? '') };
}

/** ARGV under the wrapper that reports what it left running on fd 3. */
function wrapped(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', LEFT_RUNNING_WRAPPER, 'isoforge-step', ...argv];
}
