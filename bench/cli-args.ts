import { runCommand } from '../src/tools/exec.ts';

/** The value after `--NAME` on the command line, else FALLBACK. */
export function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

/** HEAD's commit, marked when src/ has changes not committed: the code a bench measured. */
export async function readCommit(): Promise<string> {
  const { stdout } = await runCommand(['git', 'rev-parse', 'HEAD']);
  const dirty = (await runCommand(['git', 'status', '--porcelain', '--', 'src'])).stdout.trim();
  return `${stdout.trim()}${dirty ? '+uncommitted' : ''}`;
}
