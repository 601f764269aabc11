import { chmod, readFile, stat } from 'node:fs/promises';
import { runCommand } from '../../src/tools/exec.ts';

/**
 * An ordinary user with a subordinate id range, as an operator sets one up for rootless builds
 * (useradd, usermod --add-subuids), and /dev/fuse open to users as udev leaves it on a real
 * machine (a container without udev leaves it 0600). Returns how to put /dev/fuse back.
 */
export const ROOTLESS_USER = 'isoforge-rootless';
export const ROOTLESS_RANGE = { start: 300_000, count: 65_536 };

export async function ensureRootlessUser(): Promise<{ restore: () => Promise<void> }> {
  const exists = await runCommand(['id', ROOTLESS_USER], { okExitCodes: [1] });
  if (exists.exitCode !== 0)
    await runCommand(['useradd', '--no-create-home', '--shell', '/bin/sh', ROOTLESS_USER]);
  const range = `${ROOTLESS_RANGE.start}-${ROOTLESS_RANGE.start + ROOTLESS_RANGE.count - 1}`;
  for (const [file, flag] of [
    ['/etc/subuid', '--add-subuids'],
    ['/etc/subgid', '--add-subgids'],
  ] as const) {
    const ranges = await readFile(file, 'utf8').catch(() => '');
    if (!ranges.split('\n').some((line) => line.startsWith(`${ROOTLESS_USER}:`)))
      await runCommand(['usermod', flag, range, ROOTLESS_USER]);
  }
  const fuseMode = (await stat('/dev/fuse')).mode & 0o777;
  await chmod('/dev/fuse', 0o666);
  return { restore: () => chmod('/dev/fuse', fuseMode).catch(() => undefined) };
}

/** Processes of the user or its subordinate ids, and squashfuse anywhere: what a rootless build may leave. */
export async function rootlessProcesses(): Promise<string[]> {
  const { stdout } = await runCommand(['ps', '-e', '-o', 'uid=,comm=']);
  const { stdout: uid } = await runCommand(['id', '-u', ROOTLESS_USER]);
  const subordinate = (id: number) =>
    id >= ROOTLESS_RANGE.start && id < ROOTLESS_RANGE.start + ROOTLESS_RANGE.count;
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([id, comm]) => Number(id) === Number(uid) || subordinate(Number(id)) || comm?.startsWith('squashfuse'),
    )
    .map((fields) => fields.join(' '));
}
