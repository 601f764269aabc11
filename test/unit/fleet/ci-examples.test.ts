import { readFile } from 'node:fs/promises';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { makeGithubMatrix } from '../../../src/fleet/matrix.ts';
import { readRecipe } from '../../../src/recipe/load.ts';
import { chooseVariants } from '../../../src/recipe/variants.ts';

describe('the fleet examples', () => {
  it("examples/ci/github-fleet.yml is a workflow GitHub's own parser takes, matrix from isoforge variants", async () => {
    const content = await readFile('examples/ci/github-fleet.yml', 'utf8');
    const result = parseWorkflow({ name: 'github-fleet.yml', content }, new NoOperationTraceWriter());
    expect(result.value).toBeDefined();
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    expect(template.jobs.map((job) => job.id.value)).toEqual(['plan', 'build']);
    expect(content).toContain('isoforge variants examples/fleet.yaml --json');
    expect(content).toContain('--variant-index ${{ matrix.index }}');
  });

  it('examples/fleet.yaml has the variants the workflow builds, each a valid recipe', async () => {
    const loaded = await readRecipe('examples/fleet.yaml');
    expect(makeGithubMatrix(loaded.recipe).include.map((job) => job.variant)).toEqual(['site-a', 'site-b']);
    expect(chooseVariants(loaded.recipe, { index: 1 })).toEqual(['site-b']);
  });
});
