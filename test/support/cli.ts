import { execa } from 'execa';

const BIN = new URL('../../bin/isoforge', import.meta.url).pathname;

/** Runs bin/isoforge as a user would, never throwing: tests look at exit code and output. */
export async function runIsoforge(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
) {
  const result = await execa(BIN, args, {
    reject: false,
    cwd: options.cwd,
    timeout: options.timeoutMs,
    env: { NO_COLOR: '1', ...options.env },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
