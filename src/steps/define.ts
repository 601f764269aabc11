import type { z } from 'zod';

/**
 * What a step does, as data: the build executes these actions (execute.ts), --dry-run prints
 * them as shell (render.ts). One description, two uses, so the two cannot drift apart.
 */
export type StepAction =
  /** ARGV in the image, in a sandbox of its own (rootfs/sandbox.ts); when it fails, ORELSE runs instead (each in turn) and must succeed. */
  | { kind: 'program'; argv: string[]; env?: Record<string, string>; orElse?: string[][] }
  /** SOURCE (a path as the recipe wrote it, relative to the recipe) copied to DEST in the image. */
  | { kind: 'copy-in'; source: string; dest: string }
  | { kind: 'write'; dest: string; content: string; mode: number }
  | { kind: 'chmod'; dest: string; mode: number }
  | { kind: 'remove'; dest: string }
  /** A command with the user's terminal attached (the shell step). */
  | { kind: 'interactive'; argv: string[]; env?: Record<string, string> };

export interface StepPlan {
  actions: StepAction[];
  /** Run after ACTIONS even when one fails (staging files removed). */
  cleanup?: StepAction[];
}

export interface StepDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  /** The recipe key: `- NAME: PARAMS`. */
  name: Name;
  /** The shape of PARAMS; the recipe's schema and JSON Schema are made from these. */
  schema: Schema;
  /** One line for progress output. */
  describe(params: z.output<Schema>): string;
  plan(params: z.output<Schema>): StepPlan;
  /** Image paths the step surely writes, known before it runs: the early shadowing check looks them up. */
  writes?(params: z.output<Schema>): string[];
  /** Host files (relative to the recipe) the step reads: checked to exist before any work. */
  reads?(params: z.output<Schema>): string[];
  /** Needs a terminal on stdin (refused up front when there is none). */
  needsTerminal?: boolean;
}

/** Declares a step; the registry (registry.ts) lists every one. */
export function defineStep<Name extends string, Schema extends z.ZodType>(
  definition: StepDefinition<Name, Schema>,
): StepDefinition<Name, Schema> {
  return definition;
}

/** dpkg's database: every package step changes it, and an upper layer's own copy hides that change. */
export const DPKG_STATUS = '/var/lib/dpkg/status';
