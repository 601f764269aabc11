import { runCommand } from './exec.ts';

/** Bytes a tree occupies, exactly as the guide computes a layer's .size: du -sx --block-size=1. */
export async function runDuBytes(dir: string, signal?: AbortSignal): Promise<number> {
  const { stdout } = await runCommand(['du', '-sx', '--block-size=1', dir], { signal });
  return Number(stdout.split('\t')[0]);
}

/** The whole environment of a command in a chroot: nothing of the host's leaks in. */
export const CHROOT_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
};

/** Runs ARGV inside the root file system ROOT with a clean environment. */
export async function runInChroot(
  root: string,
  argv: readonly string[],
  options: {
    signal?: AbortSignal;
    onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
    env?: Record<string, string>;
  } = {},
): Promise<string> {
  const env = { ...CHROOT_ENV, ...options.env };
  const { stdout } = await runCommand(['chroot', root, ...argv], {
    env,
    cleanEnv: true,
    signal: options.signal,
    onLine: options.onLine,
    detached: true,
  });
  return stdout;
}

/** Runs ARGV inside ROOT with the user's terminal attached; returns its exit code. */
export async function runInChrootInteractive(
  root: string,
  argv: readonly string[],
  options: { signal?: AbortSignal; env?: Record<string, string> } = {},
): Promise<number> {
  const { exitCode } = await runCommand(['chroot', root, ...argv], {
    env: { ...CHROOT_ENV, ...options.env },
    cleanEnv: true,
    signal: options.signal,
    interactive: true,
    // The user may leave the shell with any status: it is reported, not a failure.
    okExitCodes: Array.from({ length: 255 }, (_, i) => i + 1),
  });
  return exitCode;
}
