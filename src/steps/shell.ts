import { spawnSync } from 'node:child_process';
import { RecipeError } from '../errors.ts';
import type { StepHandler } from './types.ts';

/**
 * shell: an interactive shell in the chroot for hand work, like Cubic's terminal. It needs a
 * terminal, so it is refused (before any work) when stdin is not one.
 */
export const shellStep: StepHandler<true> = {
  describe: () => 'interactive shell in the chroot (exit to continue the build)',
  shell: () => ['chroot squashfs-root /bin/bash'],
  async run(_p, context) {
    if (!process.stdin.isTTY) {
      throw new RecipeError('the shell step needs a terminal, and stdin is not one', {
        hint: 'run the build from a terminal, or replace the shell step with a run step',
      });
    }
    context.say('starting a shell in the image; type exit to continue the build');
    // An interactive terminal session cannot go through the captured-output runner.
    const result = spawnSync('chroot', [context.root, '/bin/bash', '-l'], {
      stdio: 'inherit',
      // The same clean environment as every other chroot command: nothing of the host's leaks in.
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: '/root',
        TERM: process.env.TERM ?? 'xterm',
        LANG: 'C.UTF-8',
        PS1: '(isoforge) \\w# ',
      },
    });
    if (result.status !== 0) context.say(`the shell exited with code ${result.status}`);
  },
};
