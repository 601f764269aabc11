import type { ChrootSession } from '../rootfs/session.ts';

/** What a recipe step gets to work with: the chroot of the layer being customized. */
export interface StepContext {
  session: ChrootSession;
  /** The merged root on the host (what the chroot sees as /). */
  root: string;
  recipeDir: string;
  signal?: AbortSignal;
  /** Streams a line of the step's output to the user and the log. */
  say: (line: string) => void;
}

export interface StepHandler<T> {
  /** A one-line description for progress output. */
  describe(params: T): string;
  /** The equivalent shell commands, for --dry-run. */
  shell(params: T): string[];
  run(params: T, context: StepContext): Promise<void>;
}

/** Runs ARGV in the chroot with its output streamed to the user. */
export function runInSession(context: StepContext, argv: readonly string[], env?: Record<string, string>) {
  return context.session.run(argv, { signal: context.signal, onLine: context.say, env });
}
