import { z } from 'zod';
import { defineStep } from './define.ts';

const SCRIPT = '/tmp/isoforge-step.sh';

/** run: a shell script inside the chroot with `set -e`, its output streamed and logged. */
export const runStep = defineStep({
  name: 'run',
  schema: z.union([
    z.string().min(1),
    z.strictObject({ script: z.string().min(1), env: z.record(z.string(), z.string()).optional() }),
  ]),
  describe: (p) => `run: ${(typeof p === 'string' ? p : p.script).trim().split('\n')[0]}`,
  plan: (p) => {
    const script = typeof p === 'string' ? p : p.script;
    return {
      actions: [
        { kind: 'write', dest: SCRIPT, content: `set -e\n${script}`, mode: 0o700 },
        { kind: 'program', argv: ['sh', '-e', SCRIPT], env: typeof p === 'string' ? undefined : p.env },
      ],
      cleanup: [{ kind: 'remove', dest: SCRIPT }],
    };
  },
});
