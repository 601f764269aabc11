import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError, IsoforgeError } from '../errors.ts';
import { type BuildResult, type BuildRun, runBuild } from '../pipeline/build.ts';
import { RunInNamespace } from '../rootless/namespace.ts';
import { type BuildEnvironment, type BuildFlags, resolveBuildConfig } from '../pipeline/config.ts';
import type { LoadedRecipe } from '../recipe/load.ts';
import { chooseVariants, expandVariant, variantOutput } from '../recipe/variants.ts';
import { writeAtomically } from '../report/files.ts';
import { renderVariantsPage, type VariantRow } from '../report/render-variants.ts';

export interface VariantBuild {
  name: string;
  result: BuildResult;
  seconds: number;
}

/**
 * Builds the variants PICK chooses (all by default), one after the other with one work dir and
 * one cache: the first variant customizes a layer change they share, the next ones find it in the
 * layer cache and cost a medium-only build. Stops at the first failure, after writing the index
 * page with what was built. Several variants also get one page that links each one's report.
 */
export async function runVariantBuilds(
  loaded: LoadedRecipe,
  flags: BuildFlags,
  env: BuildEnvironment,
  run: BuildRun & { pick: { name?: string; index?: number } },
): Promise<{ builds: VariantBuild[]; index?: string }> {
  const names = chooseVariants(loaded.recipe, run.pick);
  if (flags.out && names.length > 1)
    throw new InputError('--out names one ISO, and this recipe has several variants', {
      hint: 'pick one with --variant NAME (or --variant-index N), or set output: per variant',
    });
  const builds: VariantBuild[] = [];
  const rows: VariantRow[] = [];
  const indexPath = variantOutput(resolve(loaded.dir, loaded.recipe.output), 'variants').replace(
    /\.iso$/,
    '.html',
  );
  // An ordinary user's layer build runs again in rootless mode: that run writes the index, not this one.
  let rerun = false;
  try {
    for (const [i, name] of names.entries()) {
      run.onNotice?.(`variant ${name} (${i + 1} of ${names.length})`);
      const started = performance.now();
      try {
        const result = await buildVariant(loaded, name, flags, env, run);
        const seconds = (performance.now() - started) / 1000;
        builds.push({ name, result, seconds });
        rows.push(rowOf(name, result, seconds));
      } catch (error) {
        rerun = error instanceof RunInNamespace;
        if (rerun) throw error;
        const output = resolve(
          loaded.dir,
          loaded.recipe.variants?.[name]?.output ?? variantOutput(loaded.recipe.output, name),
        );
        rows.push({
          name,
          output,
          report: null,
          outcome: 'failed',
          seconds: (performance.now() - started) / 1000,
          detail: describeError(error),
        });
        throw error;
      }
    }
  } finally {
    if (names.length > 1 && !flags.dryRun && !rerun)
      await writeAtomically(indexPath, renderVariantsPage(loaded.file, rows, indexPath));
  }
  return { builds, index: names.length > 1 && !flags.dryRun ? indexPath : undefined };
}

async function buildVariant(
  loaded: LoadedRecipe,
  name: string,
  flags: BuildFlags,
  env: BuildEnvironment,
  run: BuildRun,
): Promise<BuildResult> {
  // The variant's rendered text files live as long as its build.
  const renderDir = await mkdtemp(join(tmpdir(), `isoforge-variant-${name}-`));
  try {
    const variant = await expandVariant(loaded, name, renderDir);
    return await runBuild(resolveBuildConfig(flags, env, variant.recipe), variant, run);
  } finally {
    await rm(renderDir, { recursive: true, force: true });
  }
}

function rowOf(name: string, result: BuildResult, seconds: number): VariantRow {
  return {
    name,
    output: result.output,
    report: result.report ?? null,
    outcome: result.reused ? 'cached' : 'ok',
    seconds,
    detail: result.reused ? 'from the build cache' : `${result.verify.checks.length} checks passed`,
  };
}

function describeError(error: unknown): string {
  return error instanceof IsoforgeError ? error.message : String(error);
}
