import { rm, writeFile, chmod } from 'node:fs/promises';
import { resolveInsideRoot } from '../safety/confine.ts';
import { runInSession, type StepHandler } from './types.ts';

export type RunParams = string | { script: string; env?: Record<string, string> };

const SCRIPT = '/tmp/isoforge-step.sh';

/** run: a shell script inside the chroot with `set -e`, its output streamed and logged. */
export const runStep: StepHandler<RunParams> = {
  describe: (p) => `run: ${(typeof p === 'string' ? p : p.script).trim().split('\n')[0]}`,
  shell: (p) => [
    `chroot squashfs-root sh -e <<'EOF'\n${(typeof p === 'string' ? p : p.script).trimEnd()}\nEOF`,
  ],
  async run(p, context) {
    const script = typeof p === 'string' ? p : p.script;
    const file = await resolveInsideRoot(context.root, SCRIPT, { followFinal: false });
    await writeFile(file, `set -e\n${script}`);
    await chmod(file, 0o700);
    try {
      await runInSession(context, ['sh', '-e', SCRIPT], typeof p === 'string' ? undefined : p.env);
    } finally {
      await rm(file, { force: true });
    }
  },
};
