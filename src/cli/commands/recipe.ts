import type { Command } from 'commander';
import { readRecipe } from '../../recipe/load.ts';
import { makeRecipeJsonSchema } from '../../recipe/schema.ts';

export function registerRecipe(program: Command): void {
  program
    .command('recipe')
    .description('print the recipe JSON Schema (for editors), or check a recipe file')
    .option('--schema', 'print the JSON Schema of recipe files')
    .option('--check <file>', 'validate a recipe and report the first problem with its line and column')
    .action(async (options: { schema?: boolean; check?: string }) => {
      if (options.check) {
        await readRecipe(options.check);
        process.stdout.write(`${options.check}: ok\n`);
        return;
      }
      process.stdout.write(`${JSON.stringify(makeRecipeJsonSchema(), null, 2)}\n`);
    });
}
