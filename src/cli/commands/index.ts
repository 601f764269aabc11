import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export type RegisterCommand = (program: Command, context: CliContext) => void;

interface CommandEntry {
  name: string;
  /** Loaded only when needed: a run loads the one command it names, so start-up stays fast. */
  load: () => Promise<RegisterCommand>;
}

/** Every subcommand, in the order `isoforge --help` lists them. Each file adds one line here. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'inspect', load: async () => (await import('./inspect.ts')).registerInspect },
  { name: 'diff', load: async () => (await import('./diff.ts')).registerDiff },
  { name: 'build', load: async () => (await import('./build.ts')).registerBuild },
  { name: 'variants', load: async () => (await import('./variants.ts')).registerVariants },
  { name: 'report', load: async () => (await import('./report.ts')).registerReport },
  { name: 'recipe', load: async () => (await import('./recipe.ts')).registerRecipe },
  { name: 'sample', load: async () => (await import('./sample.ts')).registerSample },
  { name: 'boot-test', load: async () => (await import('./boot-test.ts')).registerBootTest },
  { name: 'verify', load: async () => (await import('./verify.ts')).registerVerify },
  { name: 'doctor', load: async () => (await import('./doctor.ts')).registerDoctor },
  { name: 'clean', load: async () => (await import('./clean.ts')).registerClean },
];

/**
 * The commands ARGS (without node and the script) need: the one it names, none for a bare
 * --version, all of them for help and for anything commander must report as unknown.
 */
export function selectCommands(args: readonly string[]): readonly CommandEntry[] {
  const first = args.find((arg) => !arg.startsWith('-'));
  const named = COMMANDS.find((command) => command.name === first);
  if (named && !args.includes('--help') && !args.includes('-h')) return [named];
  if (!first && (args.includes('--version') || args.includes('-V'))) return [];
  return COMMANDS;
}
