import { dirname, join } from 'node:path';
import { CHROOT_ENV } from '../tools/coreutils.ts';
import { quoteShellArg as q, renderCommand } from '../ui/shell.ts';
import type { StepAction, StepPlan } from './define.ts';

/**
 * A step's actions as the shell lines a person would type, for --dry-run: the same argv the build
 * runs, quoted by the one quoting module. ROOT is the merged root on the host; the script runs
 * from the recipe's folder, so copy sources stay as the recipe wrote them.
 */
export function renderStepPlan(plan: StepPlan, root: string): string[] {
  return [...plan.actions, ...(plan.cleanup ?? [])].map((action) => renderAction(action, root));
}

function chrootCommand(root: string, argv: readonly string[], env: Record<string, string> = {}): string {
  const variables = Object.entries({ ...CHROOT_ENV, ...env }).map(([name, value]) => `${name}=${value}`);
  return renderCommand(['env', '-i', ...variables, 'chroot', root, ...argv]);
}

function renderAction(action: StepAction, root: string): string {
  const inImage = (path: string) => q(join(root, path));
  switch (action.kind) {
    case 'chroot': {
      const main = chrootCommand(root, action.argv, action.env);
      if (!action.orElse) return main;
      return `${main} || { ${action.orElse.map((argv) => chrootCommand(root, argv, action.env)).join(' && ')}; }`;
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
      return chrootCommand(root, action.argv, action.env);
  }
}
