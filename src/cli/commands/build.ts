import { type Command, InvalidArgumentError, Option } from 'commander';
import { runBuild, type BuildResult } from '../../pipeline/build.ts';
import { type BuildFlags, DEFAULT_WORK_DIR, resolveBuildConfig } from '../../pipeline/config.ts';
import { runVariantBuilds } from '../../fleet/build-variants.ts';
import { chooseVariants, variantNames } from '../../recipe/variants.ts';
import { readRecipe } from '../../recipe/load.ts';
import { describeReusedBuild } from '../../cache/build-reuse.ts';
import { formatBytes } from '../../inspect/sectormap.ts';
import { LAYER_COLUMNS } from '../../report/render-layers.ts';
import { formatTable } from '../../ui/table.ts';
import { describeCheck } from '../../verify/verify.ts';
import type { CliContext } from '../context.ts';

interface BuildCliOptions {
  iso?: string;
  out?: string;
  workdir: string;
  force?: boolean;
  dryRun?: boolean;
  keepWorkdir?: boolean;
  cache: boolean;
  bootSetup?: 'replay' | 'explicit';
  json?: boolean;
  report?: string;
  variant?: string;
  variantIndex?: number;
}

export function registerBuild(program: Command, context: CliContext): void {
  program
    .command('build')
    .description('remaster an ISO from a recipe: customize layers in a chroot, repack, rewrite, verify')
    .argument('<recipe>', 'the recipe file (YAML)')
    .option('--iso <file>', "the input ISO (overrides the recipe's input)")
    .option('--out <file>', "the output ISO (overrides the recipe's output)")
    .option('--workdir <dir>', 'where layers are unpacked and mounted', DEFAULT_WORK_DIR)
    .option('-f, --force', 'replace the output if it exists')
    .option('--keep-workdir', 'keep the unpacked layers in the work directory after the build')
    .option(
      '--no-cache',
      'build everything again: neither reuse nor store finished layers and finished builds',
    )
    .option('--dry-run', 'print the plan as the shell commands a person could run by hand')
    .addOption(
      new Option(
        '--boot-setup <mode>',
        'replay (carry the boot setup over) or explicit (xorriso -as mkisofs)',
      ).choices(['replay', 'explicit']),
    )
    .option(
      '--report <file>',
      'where the HTML build report goes (default: OUTPUT.report.html beside the ISO)',
    )
    .option('--variant <name>', 'build only this variant of the recipe (variants:)')
    .option(
      '--variant-index <n>',
      'build only the variant at this 0-based index, as a CI job index counts (isoforge variants --json)',
      parseIndex,
    )
    .option('--json', 'print the verification report, stage timings and the diff against the input as JSON')
    .action((recipe: string, options: BuildCliOptions) => buildAction(recipe, options, context));
}

/** Builds RECIPE, or each variant it has (all, or the one --variant / --variant-index picks). */
async function buildAction(recipe: string, options: BuildCliOptions, context: CliContext): Promise<void> {
  const loaded = await readRecipe(recipe);
  const flags: BuildFlags = {
    recipe,
    iso: options.iso,
    out: options.out,
    workDir: options.workdir,
    force: options.force,
    dryRun: options.dryRun,
    keepWorkDir: options.keepWorkdir,
    report: options.report,
    noCache: !options.cache,
    bootSetup: options.bootSetup,
    quiet: options.json,
  };
  const run = {
    signal: context.signal,
    onNotice: (line: string) => process.stderr.write(`isoforge: ${line}\n`),
  };
  const pick = { name: options.variant, index: options.variantIndex };
  if (variantNames(loaded.recipe).length) {
    const { builds, index } = await runVariantBuilds(loaded, flags, process.env, { ...run, pick });
    if (options.json) {
      const variants = builds.map(({ name, result }) => ({ variant: name, ...buildJson(result) }));
      process.stdout.write(`${JSON.stringify({ variants, index: index ?? null }, null, 2)}\n`);
      return;
    }
    for (const { result } of builds) printResult(result, false);
    if (index) process.stdout.write(`variants: ${index}\n`);
    return;
  }
  if (pick.name !== undefined || pick.index !== undefined) chooseVariants(loaded.recipe, pick);
  // Flags, environment and recipe resolved once: nothing below reads process.env.
  const config = resolveBuildConfig(flags, process.env, loaded.recipe);
  printResult(await runBuild(config, loaded, run), options.json);
}
function printResult(result: BuildResult, json: boolean | undefined): void {
  if (result.dryRun) process.stdout.write(result.dryRun);
  else if (json) process.stdout.write(formatBuildJson(result));
  else process.stdout.write(formatBuildSummary(result));
}

function parseIndex(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('must be a whole number from 0');
  return Number(text);
}

/**
 * `build --json`: the output, its report, each layer (cached or not, and compared with an earlier
 * build of the same inputs), verification, timings, the diff.
 */
function formatBuildJson(result: BuildResult): string {
  return `${JSON.stringify(buildJson(result), null, 2)}\n`;
}

function buildJson(result: BuildResult): Record<string, unknown> {
  const { output, report, verify, timings, diff, reused } = result;
  const layers = reused
    ? reused.layers.map((l) => ({ name: l.name, cached: true, key: l.key, reproducibility: null }))
    : result.layers.map((l) => ({
        name: l.name,
        cached: l.cached ?? false,
        key: l.cacheKey,
        reproducibility: l.reproducibility ?? null,
      }));
  // "build": the whole output came from the build cache, built and verified at builtAt.
  const cached = reused ? { cached: 'build', key: reused.key, builtAt: reused.builtAt } : { cached: false };
  return { output, report, ...cached, layers, verify, timings, diff };
}

function formatBuildSummary(result: BuildResult): string {
  if (result.reused)
    return `${describeReusedBuild(result.output, result.reused)}\nreport: ${result.report}\n`;
  const stages = formatTable([
    ['stage', 'seconds'],
    ...result.timings.map((t) => [t.title, t.seconds.toFixed(1)]),
  ]);
  const layers =
    result.layers.length === 0
      ? 'no layer changed: the medium only'
      : formatTable([
          [...LAYER_COLUMNS],
          ...result.layers.map((layer) => {
            const before = layer.plan.layer;
            return [
              layer.plan.target ? `${layer.name} (${layer.plan.target})` : layer.name,
              layer.cached ? 'cache' : 'built',
              formatBytes(before.sizeBytes),
              formatBytes(layer.squashfsBytes),
              // Debian live and some casper media record no unpacked size: say so rather than "0 B".
              before.recordedSize === null ? 'unknown' : formatBytes(before.recordedSize),
              formatBytes(layer.sizeBytes),
              String(layer.changed.length),
            ];
          }),
        ]);
  const boot = result.layers
    .filter((layer) => layer.liveBoot)
    .map((layer) => `kernel ${layer.liveBoot?.version} now boots the medium (${layer.liveBoot?.isoKernel})\n`)
    .join('');
  const notChecked = result.verify.checks
    .filter((check) => check.outcome === 'not checked')
    .map((check) => `${describeCheck(check)}\n`)
    .join('');
  const report = result.report ? `report: ${result.report}\n` : '';
  return `\n${stages}\n\n${layers}\n\n${boot}${notChecked}wrote ${result.output} (verified)\n${report}`;
}
