import { runCommand } from './exec.ts';

/** Runs one QEMU virtual machine until it powers off or SIGNAL stops it; console lines go to ONLINE. */
export async function runQemu(
  argv: readonly string[],
  options: { signal: AbortSignal; onLine: (line: string) => void },
): Promise<'powered-off' | 'stopped'> {
  try {
    await runCommand(argv, { signal: options.signal, onLine: options.onLine });
    return 'powered-off';
  } catch (error) {
    if (options.signal.aborted) return 'stopped';
    throw error;
  }
}
