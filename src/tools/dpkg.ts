import { runCommand } from './exec.ts';

/** The package list of a root file system, read with the host's dpkg-query (no chroot needed). */
export async function runDpkgQueryList(root: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await runCommand(['dpkg-query', `--admindir=${root}/var/lib/dpkg`, '-W'], { signal });
  return stdout;
}
