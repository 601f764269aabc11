import { chmod, cp, lstat, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../errors.ts';
import type { StepNetwork } from '../rootfs/sandbox.ts';
import type { SandboxSession } from '../rootfs/session.ts';
import { resolveInsideRoot, resolveRecipePath } from '../safety/confine.ts';
import type { StepAction, StepPlan } from './define.ts';

/** What executing a step works with: the merged root of the layer being customized. */
export interface StepContext {
  /** The session that runs programs in the image, opened on the first action that runs one. */
  session: () => Promise<SandboxSession>;
  /** The merged root on the host (what the chroot sees as /). */
  root: string;
  recipeDir: string;
  signal?: AbortSignal;
  /** The terminal type of an interactive action (the user's TERM). */
  term: string;
  /** Streams a line of the step's output to the user and the log. */
  say: (line: string) => void;
  /** The step's `network:` (default: the host's). */
  network?: StepNetwork;
}

/** Runs a step's actions in order, then its clean-up actions, even when an action failed. */
export async function executeStepPlan(plan: StepPlan, context: StepContext): Promise<void> {
  try {
    for (const action of plan.actions) await executeAction(action, context);
  } finally {
    for (const action of plan.cleanup ?? []) await executeAction(action, context);
  }
}

async function executeAction(action: StepAction, context: StepContext): Promise<void> {
  // Image paths resolve as if the image's root were "/": an image symlink cannot reach the host.
  const inImage = (path: string) => resolveInsideRoot(context.root, path, { followFinal: false });
  switch (action.kind) {
    case 'program':
      return runWithFallback(action.argv, action.orElse, action.env, context);
    case 'copy-in':
      return copyIntoImage(action.source, await inImage(action.dest), context.recipeDir);
    case 'write': {
      const file = await inImage(action.dest);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, action.content);
      return chmod(file, action.mode);
    }
    case 'chmod':
      return chmod(await inImage(action.dest), action.mode);
    case 'remove':
      return rm(await inImage(action.dest), { recursive: true, force: true });
    case 'interactive': {
      const result = await (
        await context.session()
      ).runInteractive(action.argv, {
        signal: context.signal,
        env: { TERM: context.term, ...action.env },
        network: context.network,
      });
      if (result !== 0) context.say(`${action.argv[0]} exited with code ${result}`);
    }
  }
}

async function runWithFallback(
  argv: string[],
  orElse: string[][] | undefined,
  env: Record<string, string> | undefined,
  context: StepContext,
): Promise<void> {
  const run = async (command: string[]) =>
    (await context.session()).run(command, {
      signal: context.signal,
      onLine: context.say,
      env,
      network: context.network,
    });
  try {
    await run(argv);
  } catch (error) {
    if (!orElse || context.signal?.aborted) throw error;
    context.say(`${argv.join(' ')} failed; running ${orElse.map((c) => c.join(' ')).join(', then ')}`);
    for (const command of orElse) await run(command);
  }
}

/** Copies SOURCE (relative to the recipe, confined to its folder) to TARGET; a symlink there is replaced, never written through. */
async function copyIntoImage(source: string, target: string, recipeDir: string): Promise<void> {
  const host = await resolveRecipePath(recipeDir, source);
  if (!(await stat(host).catch(() => undefined))) {
    throw new InputError(`${source} does not exist`, { hint: `put it at ${host}` });
  }
  await mkdir(dirname(target), { recursive: true });
  if ((await lstat(target).catch(() => undefined))?.isSymbolicLink()) await rm(target);
  await cp(host, target, { recursive: true, force: true, verbatimSymlinks: true });
}
