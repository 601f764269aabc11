import type { RecipeStep } from '../recipe/schema.ts';
import { aptStep } from './apt.ts';
import { copyStep } from './copy.ts';
import { debsStep } from './debs.ts';
import { initramfsStep } from './initramfs.ts';
import { kernelStep } from './kernel.ts';
import { runStep } from './run.ts';
import { shellStep } from './shell.ts';
import type { StepContext, StepHandler } from './types.ts';

/** Every recipe step by name: the recipe's key picks the handler. */
const STEPS: Record<string, StepHandler<never>> = {
  copy: copyStep,
  debs: debsStep,
  apt: aptStep,
  kernel: kernelStep,
  run: runStep,
  initramfs: initramfsStep,
  shell: shellStep,
};

function handlerOf(step: RecipeStep): { handler: StepHandler<unknown>; params: unknown } {
  const [name, params] = Object.entries(step)[0] ?? [];
  const handler = STEPS[name ?? ''] as StepHandler<unknown> | undefined;
  if (!handler) throw new Error(`no handler for step ${name}`);
  return { handler, params };
}

export function describeStep(step: RecipeStep): string {
  const { handler, params } = handlerOf(step);
  return handler.describe(params);
}

export function stepShell(step: RecipeStep): string[] {
  const { handler, params } = handlerOf(step);
  return handler.shell(params);
}

export async function runStepInImage(step: RecipeStep, context: StepContext): Promise<void> {
  const { handler, params } = handlerOf(step);
  await handler.run(params, context);
}

export function needsTerminal(step: RecipeStep): boolean {
  return 'shell' in step;
}
