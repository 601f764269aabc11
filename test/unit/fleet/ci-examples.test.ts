import { mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { Job } from 'kubernetes-models/batch/v1';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeGithubMatrix, makeGitlabMatrix } from '../../../src/fleet/matrix.ts';
import { readRecipe } from '../../../src/recipe/load.ts';
import { chooseVariants } from '../../../src/recipe/variants.ts';
import { runCommand } from '../../../src/tools/exec.ts';
import { gitlabCiErrors } from '../../support/gitlab-schema.ts';

// Each CI example is checked by its engine's own published parser or schema; the Kubernetes Job's
// pod is also run by podman (test/integration/container.test.ts).
describe('the fleet examples', () => {
  it("examples/ci/github-fleet.yml is a workflow GitHub's own parser takes, matrix from isoforge variants", async () => {
    const content = await readFile('examples/ci/github-fleet.yml', 'utf8');
    const result = parseWorkflow({ name: 'github-fleet.yml', content }, new NoOperationTraceWriter());
    expect(result.value).toBeDefined();
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    expect(template.jobs.map((job) => job.id.value)).toEqual(['plan', 'build', 'boot']);
    expect(content).toContain('isoforge variants examples/fleet.yaml --json');
    expect(content).toContain('--variant-index ${{ matrix.index }}');
    expect(content).toContain('bin/isoforge boot-test out/fleet-${{ matrix.variant }}.iso');
  });

  it("examples/ci/gitlab-fleet.yml, and the child pipeline its plan job writes, pass GitLab's CI schema", async () => {
    const pipeline = parse(await readFile('examples/ci/gitlab-fleet.yml', 'utf8')) as {
      plan: { script: string[] };
    };
    expect(await gitlabCiErrors(pipeline)).toEqual([]);
    // The schema is a real check: a matrix that is not a list of variable maps is refused.
    expect(await gitlabCiErrors({ build: { parallel: { matrix: 'site-a' }, script: ['true'] } })).not.toEqual(
      [],
    );

    const child = await runPlanJob(pipeline.plan.script);
    expect(await gitlabCiErrors(child)).toEqual([]);
    const { recipe } = await readRecipe('examples/fleet.yaml');
    expect(child).toMatchObject({
      build: {
        image: { name: 'registry.example.com/platform/isoforge:0.1.0' },
        parallel: { matrix: makeGitlabMatrix(recipe) },
        script: [
          'mkdir -p out && curl -fsSL -o out/sample.iso "$INPUT_ISO_URL"',
          'isoforge build examples/fleet.yaml --variant "$VARIANT"',
        ],
      },
    });
  });

  it("examples/ci/k8s-fleet-job.yaml is an Indexed Job Kubernetes' own API schema takes, one pod per variant", async () => {
    const manifest = parse(await readFile('examples/ci/k8s-fleet-job.yaml', 'utf8')) as object;
    const job = new Job(manifest as ConstructorParameters<typeof Job>[0]);
    job.validate();
    // The schema is a real check: a completion count that is not a number is refused.
    expect(() => new Job({ ...job, spec: { ...job.spec!, completions: 'two' as never } }).validate()).toThrow(
      /completions must be integer/,
    );
    const { recipe } = await readRecipe('examples/fleet.yaml');
    expect(job.spec?.completionMode).toBe('Indexed');
    expect(job.spec?.completions).toBe(makeGithubMatrix(recipe).include.length);
    const [container] = job.spec?.template.spec?.containers ?? [];
    expect(container?.args?.join(' ')).toContain('--variant-index "$JOB_COMPLETION_INDEX"');
  });

  it('examples/fleet.yaml has the variants the workflow builds, each a valid recipe', async () => {
    const loaded = await readRecipe('examples/fleet.yaml');
    expect(makeGithubMatrix(loaded.recipe).include.map((job) => job.variant)).toEqual(['site-a', 'site-b']);
    expect(chooseVariants(loaded.recipe, { index: 1 })).toEqual(['site-b']);
  });
});

/** Runs the plan job's script lines as GitLab's shell runner would (one shell, stop at a failure), with isoforge on PATH; returns the child pipeline it wrote. */
async function runPlanJob(script: readonly string[]): Promise<unknown> {
  const job = await mkdtemp(join(tmpdir(), 'isoforge-gitlab-plan-'));
  await symlink(resolve('examples'), join(job, 'examples'));
  const bin = join(job, 'bin');
  await mkdir(bin);
  await symlink(resolve('bin/isoforge'), join(bin, 'isoforge'));
  const pipeline = parse(await readFile('examples/ci/gitlab-fleet.yml', 'utf8')) as {
    variables: Record<string, string>;
  };
  await runCommand(['sh', '-e', '-c', script.join('\n')], {
    cwd: job,
    env: { ...pipeline.variables, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  return parse(await readFile(join(job, 'fleet-build.yml'), 'utf8'));
}
