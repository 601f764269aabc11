import { execa, type Options, type ResultPromise } from 'execa';
import { CommandFailedError, MissingToolError, NoSpaceError } from '../errors.ts';
import { guardProcessGroup } from '../safety/processes.ts';
import { log } from '../ui/log.ts';
import { renderCommand } from '../ui/shell.ts';
import { aptPackageOf } from './programs.ts';

/**
 * The only place isoforge starts a process. Argument arrays only, LANG=C.UTF-8, one AbortSignal
 * for cancellation, a "+ argv" debug line for every command, and one error type for failures.
 */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Replaces the inherited environment instead of extending it (used for chroots). */
  cleanEnv?: boolean;
  signal?: AbortSignal;
  input?: string | Uint8Array;
  /** Called with every line the program prints on stdout or stderr, e.g. for progress or streaming. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Exit codes that count as success besides 0. */
  okExitCodes?: readonly number[];
  /** Extra file descriptors for the child: index 3 onwards (used to pass secrets without argv/env). */
  extraFds?: readonly (string | Uint8Array)[];
  /** A pipe on the child's fd 3 that it writes to (a report beside its output); not with extraFds. */
  reportFd?: boolean;
  /** The user's terminal attached (stdin, stdout, stderr inherited): an interactive shell. */
  interactive?: boolean;
  /** Open file descriptors of this process handed on, after fd 3 (a directory kept open across a namespace change). */
  shareFds?: readonly number[];
  /** Told the child's pid as soon as it runs. */
  onSpawn?: (pid: number) => void;
  /** Put the child in its own process group so the whole tree is killed on abort. */
  detached?: boolean;
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** What the child wrote on fd 3, with RunOptions.reportFd. */
  report?: string;
}

const STDERR_TAIL_LINES = 20;

/** An onLine listener that turns a program's progress lines (PARSE: percent or null) into ONPROGRESS calls. */
export function progressListener(
  parse: (line: string) => number | null,
  onProgress?: (percent: number) => void,
): RunOptions['onLine'] {
  if (!onProgress) return undefined;
  return (line) => {
    const percent = parse(line);
    if (percent !== null) onProgress(percent);
  };
}

export async function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runCommand needs a program name');
  log.debug({ cwd: options.cwd }, `+ ${renderCommand(argv)}`);
  const started = performance.now();
  const child = startChild(file, args, options);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  // Detached children lead their own process group: abort must reach the whole group, not just the leader.
  const releaseGroup = options.detached ? guardProcessGroup(child.pid, options.signal) : undefined;
  if (options.onLine) forwardLines(child, options.onLine);
  const result = await child.finally(() => releaseGroup?.());
  const exitCode = result.exitCode ?? -1;
  // The benchmark sums these to tell isoforge's own overhead from time spent in external programs.
  log.debug({ program: file, exitCode, durationMs: Math.round(performance.now() - started) }, `= ${file}`);
  const ok = exitCode === 0 || (options.okExitCodes ?? []).includes(exitCode);
  if (!ok || result.exitCode === undefined) throw toCommandError(argv, result, options.signal);
  const report = options.reportFd ? { report: String(result.stdio[3] ?? '') } : {};
  return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode, ...report };
}

function startChild(file: string, args: string[], options: RunOptions): ResultPromise {
  if (options.reportFd && options.extraFds?.length) throw new Error('reportFd and extraFds both take fd 3');
  const extra = [
    ...(options.reportFd ? ['pipe' as const] : (options.extraFds ?? []).map(toBytes)),
    // execa types extra fds 3..9 only; node's spawn takes any open descriptor of this process.
    ...((options.shareFds ?? []) as 3[]),
  ];
  const stdin = options.input === undefined ? 'ignore' : 'pipe';
  const execaOptions: Options = {
    cwd: options.cwd,
    env: { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...options.env },
    extendEnv: !options.cleanEnv,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5_000,
    cleanup: true,
    detached: options.detached ?? false,
    reject: false,
    input: options.input,
    timeout: options.timeoutMs,
    stdio: options.interactive
      ? ['inherit', 'inherit', 'inherit', ...extra]
      : [stdin, 'pipe', 'pipe', ...extra],
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  };
  return execa(file, args, execaOptions);
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

function forwardLines(child: ResultPromise, onLine: NonNullable<RunOptions['onLine']>): void {
  for (const name of ['stdout', 'stderr'] as const) {
    let pending = '';
    child[name]?.on('data', (chunk: Buffer) => {
      // Progress bars redraw with \r: treat it as a line end so callers see each update.
      const parts = (pending + chunk.toString('utf8')).split(/\r\n|\r|\n/);
      pending = parts.pop() ?? '';
      for (const line of parts) if (line) onLine(line, name);
    });
    child[name]?.on('end', () => pending && onLine(pending, name));
  }
}

interface ExecaLikeResult {
  exitCode?: number;
  signal?: string;
  stderr?: unknown;
  code?: string;
  cause?: unknown;
  isCanceled?: boolean;
}

function toCommandError(argv: readonly string[], result: ExecaLikeResult, signal?: AbortSignal): Error {
  if (result.code === 'ENOENT' || (result.cause as { code?: string } | undefined)?.code === 'ENOENT') {
    const program = argv[0] ?? '';
    return new MissingToolError(program, aptPackageOf(program));
  }
  if (result.isCanceled && signal?.reason instanceof Error) return signal.reason;
  const tail = String(result.stderr ?? '')
    .split('\n')
    .slice(-STDERR_TAIL_LINES)
    .join('\n');
  if (/No space left on device|ENOSPC/.test(tail)) {
    return new NoSpaceError(`${argv[0]} ran out of disk space: ${tail.trim().split('\n').at(-1) ?? ''}`, {
      cause: result,
      hint: 'free space in the work directory or pass another --workdir',
    });
  }
  return new CommandFailedError(argv, result.exitCode, result.signal ?? undefined, tail, { cause: result });
}
