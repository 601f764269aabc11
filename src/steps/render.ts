import { dirname, join } from 'node:path';
import { sandboxArgv, type StepNetwork } from '../rootfs/sandbox.ts';
import { CHROOT_ENV } from '../tools/coreutils.ts';
import { quoteShellArg as q, renderCommand } from '../ui/shell.ts';
import type { StepAction, StepPlan } from './define.ts';

/**
 * The script's variables for what the build decides when a session opens (host-print.ts sets
 * them): the image's host name and the session's /run folder.
 */
export const SESSION_VARIABLES = { hostname: 'isoforge_hostname', run: 'isoforge_run' } as const;

/**
 * A step's actions as the shell lines a person would type, for --dry-run: the same argv the build
 * runs, quoted by the one quoting module. ROOT is the merged root on the host; the script runs
 * from the recipe's folder, so copy sources stay as the recipe wrote them.
 */
export function renderStepPlan(plan: StepPlan, root: string, network?: StepNetwork): string[] {
  return [...plan.actions, ...(plan.cleanup ?? [])].map((action) => renderAction(action, root, network));
}

function sandboxCommand(
  root: string,
  argv: readonly string[],
  options: { env?: Record<string, string>; network?: StepNetwork },
): string {
  const variables = Object.entries({ ...CHROOT_ENV, ...options.env }).map(
    ([name, value]) => `${name}=${value}`,
  );
  const placeholder = (name: string) => `@${name}@`;
  const spec = {
    root,
    hostname: placeholder(SESSION_VARIABLES.hostname),
    run: placeholder(SESSION_VARIABLES.run),
    binds: [],
  };
  const line = renderCommand(['env', '-i', ...variables, ...sandboxArgv(spec, argv, options)]);
  return Object.values(SESSION_VARIABLES).reduce(
    (text, name) => text.replace(placeholder(name), `"$${name}"`),
    line,
  );
}

function renderAction(action: StepAction, root: string, network: StepNetwork | undefined): string {
  const inImage = (path: string) => q(join(root, path));
  switch (action.kind) {
    case 'program': {
      const run = (argv: readonly string[]) => sandboxCommand(root, argv, { env: action.env, network });
      if (!action.orElse) return run(action.argv);
      return `${run(action.argv)} || { ${action.orElse.map(run).join(' && ')}; }`;
    }
    case 'copy-in':
      // As the build: a symlink at the destination is replaced, folders merge, files keep their mode.
      return `mkdir -p ${q(join(root, dirname(action.dest)))} && { [ ! -L ${inImage(action.dest)} ] || rm ${inImage(action.dest)}; } && cp -RT --preserve=mode ${q(action.source)} ${inImage(action.dest)}`;
    case 'write':
      return `mkdir -p ${q(join(root, dirname(action.dest)))} && printf '%s' ${q(action.content)} > ${inImage(action.dest)} && chmod ${action.mode.toString(8)} ${inImage(action.dest)}`;
    case 'chmod':
      return `chmod ${action.mode.toString(8)} ${inImage(action.dest)}`;
    case 'remove':
      return `rm -rf ${inImage(action.dest)}`;
    case 'interactive':
      return sandboxCommand(root, action.argv, { env: action.env, network });
  }
}
