import {
  chmod,
  lchown,
  lstat,
  lutimes,
  mkdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { MountStack } from './mounts.ts';
import { resolveInsideRoot } from '../safety/confine.ts';
import { runInChroot, runInChrootInteractive } from '../tools/coreutils.ts';
import type { MountArguments } from '../tools/mount.ts';

/** What /etc/resolv.conf was before the build: restored exactly afterwards (often a symlink). */
export type FileState =
  | { kind: 'absent' }
  | ({ kind: 'symlink'; target: string } & Ownership)
  | ({ kind: 'file'; content: Buffer; mode: number } & Ownership)
  /** A directory, device or overlay whiteout: left exactly as it is. */
  | { kind: 'special' };

/** Owner and times, put back too: a restored file must not show up as changed in the layer. */
interface Ownership {
  uid: number;
  gid: number;
  atime: Date;
  mtime: Date;
}

export async function readFileState(path: string): Promise<FileState> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return { kind: 'absent' };
  const ownership = { uid: info.uid, gid: info.gid, atime: info.atime, mtime: info.mtime };
  if (info.isSymbolicLink()) return { kind: 'symlink', target: await readlink(path), ...ownership };
  if (!info.isFile()) return { kind: 'special' };
  return { kind: 'file', content: await readFile(path), mode: info.mode & 0o7777, ...ownership };
}

export async function restoreFileState(path: string, state: FileState): Promise<void> {
  if (state.kind === 'special') return;
  await rm(path, { force: true });
  if (state.kind === 'absent') return;
  if (state.kind === 'symlink') await symlink(state.target, path);
  else {
    await writeFile(path, state.content);
    await chmod(path, state.mode);
  }
  await lchown(path, state.uid, state.gid);
  await lutimes(path, state.atime, state.mtime);
}

export const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const APT_ARCHIVES = '/var/cache/apt/archives';
// exit 101 = "action not allowed": invoke-rc.d then starts no service inside the chroot.
export const POLICY_RC_D_SCRIPT = '#!/bin/sh\n# isoforge: no services start during a build\nexit 101\n';

/** What package scripts expect in a chroot, mounted in this order at these image paths. */
export const CHROOT_MOUNTS: readonly (Omit<MountArguments, 'target'> & { path: string })[] = [
  { path: '/proc', source: 'proc', fstype: 'proc' },
  { path: '/sys', source: 'sysfs', fstype: 'sysfs', readOnly: true },
  { path: '/dev', source: '/dev', bind: true },
  { path: '/dev/pts', source: 'devpts', fstype: 'devpts', options: ['newinstance', 'ptmxmode=0666'] },
  // A private tmpfs, not the host's /run: nothing the chroot does can reach host sockets.
  { path: '/run', source: 'tmpfs', fstype: 'tmpfs', options: ['mode=0755'] },
];

/**
 * A chroot into ROOT with what package scripts expect (proc, sys, dev, devpts, a private /run),
 * the host's DNS, and services kept from starting. Everything is undone when it is disposed.
 */
export class ChrootSession implements AsyncDisposable {
  private constructor(
    readonly root: string,
    private readonly mounts: MountStack,
    private readonly policyCreated: boolean,
  ) {}

  static async open(
    root: string,
    workDir: string,
    options: { aptArchives?: string } = {},
  ): Promise<ChrootSession> {
    const mounts = await MountStack.open(workDir);
    try {
      const at = async (path: string) => {
        const target = await resolveInsideRoot(root, path);
        await mkdir(target, { recursive: true });
        return target;
      };
      for (const { path, ...request } of CHROOT_MOUNTS)
        await mounts.mount({ ...request, target: await at(path) });
      // Downloads land outside the layer (its cache stays as clean as apt-get clean leaves it). An
      // image without apt's folder gets none: making it would change the layer.
      const archives = await resolveInsideRoot(root, APT_ARCHIVES);
      if (options.aptArchives && (await lstat(archives).catch(() => undefined))?.isDirectory()) {
        await mkdir(join(options.aptArchives, 'partial'), { recursive: true });
        await mounts.mount({ source: options.aptArchives, target: archives, bind: true });
      }
      const resolv = await resolveInsideRoot(root, '/etc/resolv.conf', { followFinal: false });
      await rm(resolv, { force: true });
      await writeFile(resolv, await readFile('/etc/resolv.conf').catch(() => 'nameserver 127.0.0.1\n'));
      const policy = await resolveInsideRoot(root, POLICY_RC_D, { followFinal: false });
      const policyCreated = (await readFileState(policy)).kind === 'absent';
      if (policyCreated) {
        await writeFile(policy, POLICY_RC_D_SCRIPT);
        await chmod(policy, 0o755);
      }
      return new ChrootSession(root, mounts, policyCreated);
    } catch (error) {
      await mounts.unmountAll();
      throw error;
    }
  }

  /** Runs ARGV inside the chroot, its output streamed line by line to ONLINE. */
  run(
    argv: readonly string[],
    options: { signal?: AbortSignal; onLine?: (line: string) => void; env?: Record<string, string> } = {},
  ) {
    return runInChroot(this.root, argv, {
      ...options,
      onLine: options.onLine && ((line) => options.onLine?.(line)),
    });
  }

  /** Runs ARGV inside the chroot with the user's terminal attached (the shell step); returns its exit code. */
  runInteractive(
    argv: readonly string[],
    options: { signal?: AbortSignal; env?: Record<string, string> } = {},
  ) {
    return runInChrootInteractive(this.root, argv, options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (this.policyCreated)
        await rm(await resolveInsideRoot(this.root, POLICY_RC_D, { followFinal: false }), { force: true });
    } finally {
      await this.mounts.unmountAll();
    }
  }
}
