import { runCommand } from './exec.ts';

/** Bytes a tree occupies, exactly as the guide computes a layer's .size: du -sx --block-size=1. */
export async function runDuBytes(dir: string, signal?: AbortSignal): Promise<number> {
  const { stdout } = await runCommand(['du', '-sx', '--block-size=1', dir], { signal });
  return Number(stdout.split('\t')[0]);
}

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
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    DEBIAN_FRONTEND: 'noninteractive',
    ...options.env,
  };
  const { stdout } = await runCommand(['chroot', root, ...argv], {
    env,
    cleanEnv: true,
    signal: options.signal,
    onLine: options.onLine,
    detached: true,
  });
  return stdout;
}
