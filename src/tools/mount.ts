import { runCommand } from './exec.ts';

/**
 * The adapter for util-linux mount(8) and umount(8). Paths are passed as given (callers resolve
 * them first); --no-canonicalize keeps umount from following a symlink planted in an image.
 */
export interface MountArguments {
  source: string;
  target: string;
  fstype?: string;
  options?: readonly string[];
  bind?: boolean;
  recursive?: boolean;
  readOnly?: boolean;
}

/** Mounts SOURCE on TARGET. */
export async function runMount(request: MountArguments): Promise<void> {
  await runCommand(mountArgv(request));
}

/**
 * FUSE's squashfs reader, for rootless mode: the kernel does not let a user namespace mount
 * squashfs. squashfuse_ll (the same package's low-level build) lets the kernel cache lookups and
 * attributes, so a step's many small reads (dpkg's database) cost fewer trips to the daemon.
 */
export const SQUASHFUSE_PROGRAM = 'squashfuse_ll';
export const SQUASHFUSE = `fuse.${SQUASHFUSE_PROGRAM}`;

/** The mount(8) command for REQUEST (also printed by --dry-run); squashfuse mounts its own type. */
export function mountArgv(request: MountArguments): string[] {
  if (request.fstype === SQUASHFUSE) {
    const options = (request.options ?? []).join(',');
    // No "--": squashfuse hands it on to libfuse, which then refuses its own options. Callers pass absolute paths.
    return [SQUASHFUSE_PROGRAM, ...(options ? ['-o', options] : []), request.source, request.target];
  }
  return ['mount', ...mountFlags(request), '--', request.source, request.target];
}

/** The umount(8) command for TARGET. */
export function umountArgv(target: string, options: { lazy?: boolean } = {}): string[] {
  return ['umount', '--no-canonicalize', ...(options.lazy ? ['--lazy'] : []), '--', target];
}

/** Stops mount events inside TARGET from propagating back to the host's copy (rbind of /dev). */
export async function runMakeRslave(target: string): Promise<void> {
  await runCommand(['mount', '--make-rslave', target]);
}

/** Unmounts one mount point; LAZY detaches it even when busy (MNT_DETACH). */
export async function runUmount(target: string, options: { lazy?: boolean } = {}): Promise<void> {
  await runCommand(umountArgv(target, options));
}

function mountFlags(request: MountArguments): string[] {
  const args: string[] = [];
  if (request.bind) args.push(request.recursive ? '--rbind' : '--bind');
  if (request.fstype) args.push('-t', request.fstype);
  const options = [...(request.options ?? []), ...(request.readOnly ? ['ro'] : [])];
  if (options.length) args.push('-o', options.join(','));
  return args;
}
