/**
 * bubblewrap adapter: the argv of `bwrap` for one command in a root file system of its own. The
 * policy (which capabilities, which binds, the network) is the caller's: rootfs/sandbox.ts.
 */

export interface BwrapSpec {
  /** The host folder the command sees as `/` (bound read-write). */
  root: string;
  /** The UTS namespace's host name. */
  hostname: string;
  /** The host folder bound at /run: the commands of one session share it, the host's /run stays apart. */
  run: string;
  /** Host folders bound read-write at image paths, after the root. */
  binds: readonly { source: string; dest: string }[];
  /** 'none': a network namespace of its own, loopback only; 'host': the host's network. */
  network: 'host' | 'none';
  /** The user's terminal attached: the command keeps the session (a shell's job control needs it). */
  terminal: boolean;
  /** The only capabilities the command keeps (bwrap drops the rest from every set, bounding included). */
  capabilities: readonly string[];
}

export function makeBwrapArgs(spec: BwrapSpec, argv: readonly string[]): string[] {
  return [
    'bwrap',
    ...['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'],
    ...(spec.network === 'none' ? ['--unshare-net'] : []),
    // The sandbox dies with isoforge (abort, kill); without a terminal, a new session also keeps the
    // command from pushing input into the user's terminal (TIOCSTI).
    '--die-with-parent',
    ...(spec.terminal ? [] : ['--new-session']),
    ...['--bind', spec.root, '/'],
    ...['--proc', '/proc', '--dev', '/dev', '--ro-bind', '/sys', '/sys', '--bind', spec.run, '/run'],
    ...spec.binds.flatMap(({ source, dest }) => ['--bind', source, dest]),
    ...['--hostname', spec.hostname],
    ...['--cap-drop', 'ALL', ...spec.capabilities.flatMap((cap) => ['--cap-add', cap])],
    ...['--chdir', '/'],
    '--',
    ...argv,
  ];
}
