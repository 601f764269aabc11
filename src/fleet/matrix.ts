import type { Recipe } from '../recipe/schema.ts';
import { variantNames } from '../recipe/variants.ts';

/**
 * The recipe's variants as the CI engines take a job matrix: GitHub Actions `strategy.matrix`
 * (`include:` one object per job: `matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`) and GitLab
 * `parallel:matrix` (a list of variable maps: `VARIANT: [a, b]`). Each job then runs
 * `isoforge build RECIPE --variant NAME` (or --variant-index INDEX).
 */
export function makeGithubMatrix(recipe: Recipe): { include: { variant: string; index: number }[] } {
  return { include: variantNames(recipe).map((variant, index) => ({ variant, index })) };
}

export function makeGitlabMatrix(recipe: Recipe): { VARIANT: string[] }[] {
  return [{ VARIANT: variantNames(recipe) }];
}
