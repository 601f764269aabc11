import { aptStep } from './apt.ts';
import { copyStep } from './copy.ts';
import { debsStep } from './debs.ts';
import { driverStep } from './driver.ts';
import { fileStep } from './file.ts';
import type { StepDefinition } from './define.ts';
import type { StepNetwork } from '../rootfs/sandbox.ts';
import { initramfsStep } from './initramfs.ts';
import { kernelStep } from './kernel.ts';
import { runStep } from './run.ts';
import { shellStep } from './shell.ts';

/** Every recipe step: adding one is its file and a line here (the recipe schema is made from this list). */
export const STEPS = [
  copyStep,
  fileStep,
  debsStep,
  aptStep,
  kernelStep,
  driverStep,
  runStep,
  initramfsStep,
  shellStep,
] as const;

export type AnyStep = (typeof STEPS)[number];

/** What every step may say beside its `NAME: PARAMS` (GitHub Actions' way: `- run: ...` then `network: none`). */
export interface StepOptions {
  /** `none`: the step's programs get a network of their own, loopback only. Default: the host's. */
  network?: StepNetwork;
}

/** The keys of StepOptions, never a step's name. */
export const STEP_OPTION_KEYS: readonly string[] = ['network'] satisfies (keyof StepOptions)[];

/** A recipe step as loaded: `{ NAME: PARAMS }` for one registered step, and its options. */
export type RecipeStep = {
  [S in AnyStep as S['name']]: { [K in S['name']]: Parameters<S['plan']>[0] };
}[AnyStep['name']] &
  StepOptions;

/** The step definition a recipe step names, and its params. */
export function stepOf(step: RecipeStep): { definition: StepDefinition; params: unknown } {
  const [name, params] = Object.entries(step).find(([key]) => !STEP_OPTION_KEYS.includes(key)) ?? [];
  const definition = STEPS.find((s) => s.name === name) as StepDefinition | undefined;
  if (!definition) throw new Error(`no step named ${name}`);
  return { definition, params };
}

export function describeStep(step: RecipeStep): string {
  const { definition, params } = stepOf(step);
  return definition.describe(params);
}

/** Whether STEP runs a program (in the image's sandbox, or on the user's terminal), not only placing files. */
export function runsProgram(step: RecipeStep): boolean {
  const { definition, params } = stepOf(step);
  const { actions, cleanup = [] } = definition.plan(params);
  return [...actions, ...cleanup].some(
    (action) => action.kind === 'program' || action.kind === 'interactive',
  );
}
