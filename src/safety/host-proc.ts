import { readlinkSync } from 'node:fs';

/**
 * The host's /proc, as locks and journals must see it. A rootless build runs in a PID namespace
 * of its own, whose /proc shows its processes alone and where it is pid 1: a lock naming "pid 1"
 * would be taken for any other rootless build's. The outer process hands the inner one the host's
 * /proc as an open directory (fd HOST_PROC_FD_ENV), reached through /proc/self/fd.
 */
export const HOST_PROC_FD_ENV = 'ISOFORGE_HOST_PROC_FD';

export function hostProc(): string {
  const fd = process.env[HOST_PROC_FD_ENV];
  return fd && /^\d+$/.test(fd) ? `/proc/self/fd/${fd}` : '/proc';
}

/** This process's pid as the host sees it: what locks, journals and draft names record. */
export function hostPid(): number {
  if (hostProc() === '/proc') return process.pid;
  return Number(readlinkSync(`${hostProc()}/self`));
}
