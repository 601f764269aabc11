import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedRecipe } from '../recipe/load.ts';
import type { ReportData } from '../report/model.ts';
import type { PendingOutput } from '../safety/atomic.ts';
import { BuildCache } from './build-cache.ts';
import { type KeyedPlan, makeBuildKey } from './build-key.ts';
import { type ReusedBuild, reuseFinishedBuild, storedLayersOf } from './build-reuse.ts';
import type { BuiltLayer } from './cached-customize.ts';
import { LayerCache } from './layer-cache.ts';
import { describeNotReproducible, LayerRecords } from './layer-records.ts';

/** The caches a build reads and fills; each absent where the configuration or the folder says no. */
export interface BuildCaches {
  /** Finished layers of earlier builds; absent with --no-cache. */
  cache?: LayerCache;
  /** What earlier reproducible builds made of each layer key; absent with ISOFORGE_NO_CACHE. */
  records?: LayerRecords;
  /** Finished builds, up-to-date outputs served whole. */
  builds?: BuildCache;
}

/**
 * The layer cache (not with --no-cache) and, for a reproducible build (SOURCE_DATE_EPOCH), the
 * records of earlier builds (kept with --no-cache too: without a fixed epoch every build differs in
 * its times, so a comparison would name nothing useful and cost a digest of each layer); neither
 * with ISOFORGE_NO_CACHE, which the test suite sets so that its builds leave the folder alone.
 */
export async function openBuildCaches(
  config: { use: 'all' | 'records' | 'none'; dir: string; limitBytes: number },
  reproducible: boolean,
  say: (line: string) => void,
): Promise<BuildCaches> {
  const { use, dir, limitBytes } = config;
  if (use === 'none') return {};
  // A cache folder this user cannot write (another user's, a read-only volume) costs the cache, not the build.
  const writable = await mkdir(dir, { recursive: true })
    .then(() => access(dir, constants.W_OK))
    .then(() => undefined)
    .catch((error: unknown) => (error as Error).message);
  if (writable !== undefined) {
    say(`layer cache: not used (${writable})`);
    return {};
  }
  const records = reproducible ? new LayerRecords(dir) : undefined;
  if (use === 'records') return { records };
  const cache = new LayerCache(dir, limitBytes);
  return { cache, records, builds: new BuildCache(cache) };
}

/** A build looked up: reused whole, or the key to store it under once it is published (none: never stored). */
export type BuildLookup = { reused: ReusedBuild; key?: undefined } | { reused?: undefined; key?: string };

/** The build key, then the stored build under it: reused (ISO and report published) or not there. */
export async function lookUpBuild(inputs: {
  builds: BuildCache | undefined;
  loaded: LoadedRecipe;
  plan: KeyedPlan & { output: string };
  reportDataPath: string;
  output: PendingOutput;
  recipePath: string;
  htmlPath?: string;
  say: (line: string) => void;
}): Promise<BuildLookup> {
  const { builds, plan } = inputs;
  if (!builds) return {};
  const made = await makeBuildKey(inputs.loaded, plan, join(builds.layers.dir, 'extent-hashes.json'));
  if (!made.key) {
    inputs.say(`build cache: not used (${made.why})`);
    return {};
  }
  const reused = await reuseFinishedBuild({ ...inputs, cache: builds, key: made.key });
  return reused ? { reused } : { key: made.key };
}

/** Keeps a published build: only one that got this far (every check and boot test passed) is stored. */
export async function storeBuild(
  builds: BuildCache | undefined,
  key: string | undefined,
  done: { iso: string; layers: readonly BuiltLayer[]; report: ReportData },
  say: (line: string) => void,
): Promise<void> {
  if (!builds || !key) return;
  const stored = { iso: done.iso, report: done.report, layers: storedLayersOf(done.layers) };
  // The output is published already: a cache that cannot take it is worth a notice, not a failed build.
  await builds.store(key, stored, say).catch((error: unknown) => {
    say(`build cache: not stored (${(error as Error).message})`);
  });
}

/** One warning per layer whose bytes differ from an earlier build of the same inputs. */
export function describeLayersNotReproducible(layers: readonly BuiltLayer[]): string[] {
  return layers.flatMap(({ name, reproducibility }) =>
    reproducibility && !reproducibility.identical ? [describeNotReproducible(name, reproducibility)] : [],
  );
}
