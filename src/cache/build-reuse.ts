import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { prepareReportFiles, reportPathsFor, saveReportData } from '../report/files.ts';
import type { ReportData } from '../report/model.ts';
import type { PendingOutput } from '../safety/atomic.ts';
import type { LayerResult } from '../layer/customize.ts';
import type { BuildCache } from './build-cache.ts';

/** What an up-to-date build tells its caller about the build it reused. */
export interface ReusedBuild {
  key: string;
  builtAt: string;
  layers: { name: string; key?: string }[];
  /** The boot tests that build ran (they passed, or it would not have been stored). */
  bootModes: string[];
  data: ReportData;
  html: string;
}

export interface ReuseInputs {
  cache: BuildCache;
  key: string;
  plan: { input: string; output: string };
  /** Where the report's data is kept in the work directory. */
  reportDataPath: string;
  output: PendingOutput;
  recipePath: string;
  /** `--report`: where the HTML goes; default OUTPUT.report.html. */
  htmlPath?: string;
}

/**
 * An up-to-date build: the stored ISO is linked to the output's temporary name and its report
 * written anew for this output (paths, recipe file, where it came from), then both are published
 * together. Undefined on a miss, with nothing written.
 */
export async function reuseFinishedBuild(inputs: ReuseInputs): Promise<ReusedBuild | undefined> {
  const { plan, key } = inputs;
  const restored = await inputs.cache.restore(key, inputs.output.tempPath);
  if (!restored) return undefined;
  const { stored, report: was } = restored;
  const paths = reportPathsFor(plan.output);
  const data: ReportData = {
    ...was,
    htmlPath: resolve(inputs.htmlPath ?? paths.html),
    recipe: { path: resolve(inputs.recipePath), text: await readFile(inputs.recipePath, 'utf8') },
    input: { ...was.input, path: plan.input },
    output: { ...was.output, path: plan.output },
    diff: { ...was.diff, a: { ...was.diff.a, path: plan.input }, b: { ...was.diff.b, path: plan.output } },
    buildCache: { key, builtAt: stored.builtAt },
  };
  await saveReportData(data, inputs.reportDataPath);
  await using report = await prepareReportFiles(data, paths.json);
  // The ISO first (it refuses once interrupted), then its report at once: they appear together.
  await inputs.output.commit();
  // Renaming onto another link of the same file (a --force rebuild of that output) leaves the temp name.
  await rm(inputs.output.tempPath, { force: true });
  await report.commit();
  return {
    key,
    builtAt: stored.builtAt,
    layers: stored.layers,
    bootModes: was.boots.map((boot) => boot.mode),
    data,
    html: data.htmlPath,
  };
}

/** The layers a build rebuilt, as the build cache keeps them. */
export function storedLayersOf(layers: readonly LayerResult[]): { name: string; key?: string }[] {
  return layers.map((layer) => ({ name: layer.name, key: layer.cacheKey }));
}

/** The one line an up-to-date build says. */
export function describeReusedBuild(output: string, reused: ReusedBuild): string {
  const boots = reused.bootModes.length
    ? `; boot tests ${reused.bootModes.join(', ')} passed in that build`
    : '';
  return `up to date: ${output} from the build cache (key ${reused.key.slice(0, 12)}, built and verified at ${reused.builtAt}${boots})`;
}
