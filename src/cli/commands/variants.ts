import type { Command } from 'commander';
import { makeGithubMatrix, makeGitlabMatrix } from '../../fleet/matrix.ts';
import { readRecipe } from '../../recipe/load.ts';
import { variantNames, variantOutput } from '../../recipe/variants.ts';
import type { CliContext } from '../context.ts';

export function registerVariants(program: Command, _context: CliContext): void {
  program
    .command('variants')
    .description("list a recipe's variants, or print them as a CI job matrix")
    .argument('<recipe>', 'the recipe file (YAML)')
    .option('--json', 'GitHub Actions strategy.matrix: {"include":[{"variant":NAME,"index":N}...]}')
    .option('--gitlab', 'GitLab parallel:matrix: [{"VARIANT":[NAME...]}]')
    .action(async (recipe: string, options: { json?: boolean; gitlab?: boolean }) => {
      const { recipe: parsed } = await readRecipe(recipe);
      if (options.gitlab) process.stdout.write(`${JSON.stringify(makeGitlabMatrix(parsed))}\n`);
      else if (options.json) process.stdout.write(`${JSON.stringify(makeGithubMatrix(parsed))}\n`);
      else
        for (const [index, name] of variantNames(parsed).entries())
          process.stdout.write(
            `${index}\t${name}\t${parsed.variants?.[name]?.output ?? variantOutput(parsed.output, name)}\n`,
          );
    });
}
