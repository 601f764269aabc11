import {
  chmod,
  lchown,
  lstat,
  lutimes,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInsideRoot } from '../safety/confine.ts';
import {
  type EndedProcess,
  readImageHostname,
  runInSandbox,
  runInSandboxInteractive,
  type SandboxSpec,
  type StepNetwork,
} from './sandbox.ts';

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
// exit 101 = "action not allowed": invoke-rc.d then starts no service inside the sandbox.
export const POLICY_RC_D_SCRIPT = '#!/bin/sh\n# isoforge: no services start during a build\nexit 101\n';

interface RunOptions {
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  env?: Record<string, string>;
  network?: StepNetwork;
}

/**
 * The steps' programs on ROOT, each in its own sandbox (rootfs/sandbox.ts), with the host's DNS and
 * services kept from starting. The host mounts nothing for it: /proc, /dev, /sys and /run exist
 * only inside each sandbox. What it put in the image is taken out when it is disposed.
 */
export class SandboxSession implements AsyncDisposable {
  private ended: EndedProcess[] = [];

  private constructor(
    readonly root: string,
    private readonly spec: SandboxSpec,
    private readonly policyCreated: boolean,
  ) {}

  /**
   * A session on ROOT. Its /run is a new folder in WORKDIR that every command of the session sees
   * (a step's request for an initramfs is read by a later command), removed when it is disposed.
   */
  static async open(
    root: string,
    workDir: string,
    options: { aptArchives?: string } = {},
  ): Promise<SandboxSession> {
    await mkdir(workDir, { recursive: true });
    const run = await mkdtemp(join(workDir, 'sandbox-run-'));
    // Downloads land outside the layer (its cache stays as clean as apt-get clean leaves it). An
    // image without apt's folder gets none: making it would change the layer.
    const archives = await resolveInsideRoot(root, APT_ARCHIVES);
    const binds: { source: string; dest: string }[] = [];
    if (options.aptArchives && (await lstat(archives).catch(() => undefined))?.isDirectory()) {
      await mkdir(join(options.aptArchives, 'partial'), { recursive: true });
      binds.push({ source: options.aptArchives, dest: APT_ARCHIVES });
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
    const hostname = await readImageHostname(root);
    return new SandboxSession(root, { root, hostname, run, binds }, policyCreated);
  }

  /** Runs ARGV in a sandbox, its output streamed line by line to ONLINE; returns its stdout. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
    const { stdout, ended } = await runInSandbox(this.spec, argv, {
      ...options,
      onLine: options.onLine && ((line) => options.onLine?.(line)),
    });
    this.ended.push(...ended);
    return stdout;
  }

  /** Runs ARGV in a sandbox with the user's terminal attached (the shell step); returns its exit code. */
  async runInteractive(argv: readonly string[], options: Omit<RunOptions, 'onLine'> = {}): Promise<number> {
    const { exitCode, ended } = await runInSandboxInteractive(this.spec, argv, options);
    this.ended.push(...ended);
    return exitCode;
  }

  /** The processes commands left running since the last call: each was ended with its sandbox. */
  takeEnded(): EndedProcess[] {
    const ended = this.ended;
    this.ended = [];
    return ended;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (this.policyCreated)
        await rm(await resolveInsideRoot(this.root, POLICY_RC_D, { followFinal: false }), { force: true });
    } finally {
      // Bound at /run inside each sandbox only, never mounted on the host: a plain folder here.
      await rm(this.spec.run, { recursive: true, force: true });
    }
  }
}
