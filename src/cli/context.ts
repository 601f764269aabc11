import { InterruptedError } from '../errors.ts';

/** What every command gets from main: the process-wide cancellation signal. */
export interface CliContext {
  /** Aborted (reason: InterruptedError) on SIGINT/SIGTERM; every long operation must pass it on. */
  signal: AbortSignal;
}

/**
 * Turns SIGINT/SIGTERM into an abort, so stages unwind through their finally blocks and undo
 * their mounts. A second signal only repeats that cleanup is under way: dying now would leak mounts.
 */
export function makeInterruptContext(notify: (line: string) => void): CliContext {
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(name, () => {
      if (controller.signal.aborted) {
        notify(`isoforge: ${name} again; still cleaning up, please wait`);
        return;
      }
      notify(`isoforge: ${name} received; stopping and cleaning up`);
      controller.abort(new InterruptedError(name));
    });
  }
  return { signal: controller.signal };
}
