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

/** One entry `find -printf` reported: its type letter (%y), size, mtime in ms, permission bits. */
export interface FoundEntry {
  /** Relative to the root, with a leading slash. */
  path: string;
  /** find's %y: d, f, l, c, b, p, s. */
  type: string;
  size: number;
  mtimeMs: number;
  mode: number;
}

/**
 * Every entry below ROOT but the PRUNEd paths (relative, with a leading slash), not crossing into
 * other file systems (a mount point is listed, not entered): GNU find lists 100k entries in well
 * under a second, where an lstat per entry from Node takes seconds.
 */
export async function runFindEntries(
  root: string,
  prune: readonly string[],
  signal?: AbortSignal,
): Promise<FoundEntry[]> {
  const pruned = prune.flatMap((path, i) => [...(i ? ['-o'] : []), '-path', `${root}${path}`]);
  const pruneArgs = pruned.length ? ['(', ...pruned, ')', '-prune', '-o'] : [];
  const argv = ['find', root, '-xdev', '-mindepth', '1', ...pruneArgs, '-printf', '%y %s %T@ %m %P\\0'];
  const { stdout } = await runCommand(argv, { signal });
  return stdout
    .split('\0')
    .filter(Boolean)
    .map((record) => {
      const [type = '', size = '', mtime = '', mode = ''] = record.split(' ', 4);
      const path = record.slice(type.length + size.length + mtime.length + mode.length + 4);
      return {
        path: `/${path}`,
        type,
        size: Number(size),
        mtimeMs: Number(mtime) * 1000,
        mode: parseInt(mode, 8),
      };
    });
}

/**
 * `rm -rf --one-file-system TARGET`: for a tree the caller has checked (checkRemovable: inside the
 * work dir, nothing mounted below). rm never follows a symlink and, with --one-file-system, fails
 * rather than enter another file system; it is faster than a walk from Node on a rootfs.
 */
export async function runRemoveTree(target: string, signal?: AbortSignal): Promise<void> {
  await runCommand(['rm', '-rf', '--one-file-system', '--', target], { signal });
}
