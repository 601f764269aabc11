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
  /** The only capabilities the command keeps (bwrap drops the rest from every set, bounding included). */
  capabilities: readonly string[];
}

export function makeBwrapArgs(spec: BwrapSpec, argv: readonly string[]): string[] {
  return [
    'bwrap',
    ...['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'],
    ...(spec.network === 'none' ? ['--unshare-net'] : []),
    // No --new-session: the namespace's init and the command stay in bwrap's process group, which
    // is what an abort signals (tools/exec.ts starts it as the leader of a session of its own, with
    // no terminal to push input into). --die-with-parent covers isoforge itself dying.
    '--die-with-parent',
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
