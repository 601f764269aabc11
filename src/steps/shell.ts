import { z } from 'zod';
import { defineStep } from './define.ts';

/**
 * shell: an interactive shell in the image (in its sandbox) for hand work, like Cubic's terminal. It needs a
 * terminal, so it is refused (before any work) when stdin is not one.
 */
export const shellStep = defineStep({
  name: 'shell',
  schema: z.literal(true),
  describe: () => 'interactive shell in the image (exit to continue the build)',
  plan: () => ({
    actions: [
      {
        kind: 'interactive',
        argv: ['/bin/bash', '-l'],
        env: { PS1: '(isoforge) \\w# ' },
      },
    ],
  }),
  needsTerminal: true,
});
