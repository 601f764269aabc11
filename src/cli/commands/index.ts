import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerBootTest } from './boot-test.ts';
import { registerClean } from './clean.ts';
import { registerDoctor } from './doctor.ts';
import { registerInspect } from './inspect.ts';
import { registerSample } from './sample.ts';

export type RegisterCommand = (program: Command, context: CliContext) => void;

/** Every subcommand, in the order `isoforge --help` lists them. Each file adds one line here. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerInspect,
  registerSample,
  registerBootTest,
  registerDoctor,
  registerClean,
];
