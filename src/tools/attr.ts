import { runCommand } from './exec.ts';

/**
 * The extended attribute names of PATH (all namespaces, trusted.* too when run as root), read
 * with getfattr without following a symlink: how an overlay upper dir marks opaque directories.
 */
export async function runGetfattrNames(path: string, signal?: AbortSignal): Promise<string[]> {
  const argv = ['getfattr', '--absolute-names', '--no-dereference', '-m', '-', '--', path];
  const { stdout } = await runCommand(argv, { signal });
  return parseGetfattrNames(stdout);
}

/** getfattr's names-only output for one path: a "# file: PATH" line, then one name a line. */
export function parseGetfattrNames(text: string): string[] {
  return text.split('\n').filter((line) => line && !line.startsWith('# file: '));
}

/** Sets the extended attribute NAME of PATH (not following a symlink) to VALUE, passed base64-encoded. */
export async function runSetfattr(path: string, name: string, value: Uint8Array): Promise<void> {
  const encoded = `0s${Buffer.from(value).toString('base64')}`;
  await runCommand(['setfattr', '--no-dereference', '-n', name, '-v', encoded, '--', path]);
}
