import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerBootTest } from './boot-test.ts';
import { registerBuild } from './build.ts';
import { registerClean } from './clean.ts';
import { registerDoctor } from './doctor.ts';
import { registerInspect } from './inspect.ts';
import { registerRecipe } from './recipe.ts';
import { registerSample } from './sample.ts';
import { registerVerify } from './verify.ts';

export type RegisterCommand = (program: Command, context: CliContext) => void;

/** Every subcommand, in the order `isoforge --help` lists them. Each file adds one line here. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerInspect,
  registerBuild,
  registerRecipe,
  registerSample,
  registerBootTest,
  registerVerify,
  registerDoctor,
  registerClean,
];
