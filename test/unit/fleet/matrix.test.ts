import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeGithubMatrix, makeGitlabMatrix } from '../../../src/fleet/matrix.ts';
import { parseRecipe } from '../../../src/recipe/load.ts';

const recipe = parseRecipe(
  `input: in.iso
output: out/fleet.iso
variants:
  site-a: {}
  site-b: {}
`,
  'fleet.yaml',
);

/** The errors GitHub's own workflow parser (@actions/workflow-parser) finds in a workflow. */
async function workflowErrors(content: string): Promise<string[]> {
  const result = parseWorkflow({ name: 'fleet.yml', content }, new NoOperationTraceWriter());
  if (result.value) await convertWorkflowTemplate(result.context, result.value);
  return result.context.errors.getErrors().map((error) => error.message);
}

function workflowWith(matrix: string): string {
  return `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix: ${matrix}
    steps:
      - run: isoforge build fleet.yaml --variant-index \${{ matrix.index }}
`;
}

describe('the CI job matrix of a recipe with variants', () => {
  it("is a strategy.matrix GitHub's workflow parser takes, one job per variant", async () => {
    const matrix = makeGithubMatrix(recipe);
    expect(matrix).toEqual({
      include: [
        { variant: 'site-a', index: 0 },
        { variant: 'site-b', index: 1 },
      ],
    });
    expect(await workflowErrors(workflowWith(JSON.stringify(matrix)))).toEqual([]);
    // The parser is a real check: a list where a mapping belongs is refused.
    expect(await workflowErrors(workflowWith('[1, 2]'))).not.toEqual([]);
  });

  it("is GitLab's parallel:matrix list of variable maps", () => {
    const matrix = makeGitlabMatrix(recipe);
    expect(matrix).toEqual([{ VARIANT: ['site-a', 'site-b'] }]);
    const job = parse(`build:\n  parallel:\n    matrix: ${JSON.stringify(matrix)}\n`) as {
      build: { parallel: { matrix: Record<string, string[]>[] } };
    };
    expect(job.build.parallel.matrix[0]?.VARIANT).toHaveLength(2);
  });
});
