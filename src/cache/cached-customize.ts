import { join } from 'node:path';
import { type RecipeStep, runsProgram } from '../steps/registry.ts';
import { customizeLayer, type CustomizeContext, type LayerResult } from '../layer/customize.ts';
import type { LayerCache } from './layer-cache.ts';
import { makeLayerKey } from './layer-key.ts';
import {
  describeBuildTime,
  describeNotReproducible,
  type LayerRecords,
  type LayerReproducibility,
} from './layer-records.ts';
import type { LayerPlan } from '../layer/plan.ts';

export interface LayerCacheContext {
  /** Undefined with --no-cache: every layer is customized. */
  cache?: LayerCache;
  /** Digests of earlier builds by key, kept with --no-cache too; undefined with ISOFORGE_NO_CACHE. */
  records?: LayerRecords;
  /** The layers this build already made, below this one. */
  done: readonly BuiltLayer[];
  extraSteps: readonly RecipeStep[];
}

/** A layer as the build has it: customized or reused, and compared with an earlier build of its key. */
export interface BuiltLayer extends LayerResult {
  /** Set when an earlier build of the same key left a record (layer-records.ts). */
  reproducibility?: LayerReproducibility;
}

/**
 * One layer through the cache: a hit reuses the stored squashfs, manifest and sizes; a miss
 * customizes the layer and stores the result. The key is made before any work, from the input
 * bytes, the recipe and the step inputs (layer-key.ts), so a medium-only change hits. A customized
 * layer is compared with the record of the last build of its key: same inputs, the same bytes?
 */
export async function customizeOrReuse(
  plan: LayerPlan,
  context: CustomizeContext,
  cacheContext: LayerCacheContext,
): Promise<BuiltLayer> {
  const { records, extraSteps } = cacheContext;
  const cacheDir = cacheContext.cache?.dir ?? records?.cacheDir;
  if (cacheDir === undefined) return customizeLayer(plan, { ...context, extraSteps });
  const started = performance.now();
  const key = await makeKeyUnlessBelowUnkeyed(plan, context, cacheContext, cacheDir);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const name = plan.layer.name;
  if (!key) {
    context.say(
      `layer ${name}: not cached (a shell step, here or in a layer this build rebuilt: what is typed there is no input the cache can see)`,
    );
    return customizeLayer(plan, { ...context, extraSteps });
  }
  // A layer not worth keeping is neither looked up, nor claimed (no other build waits for it), nor stored.
  const cache = cacheContext.cache && worthKeeping(plan, extraSteps) ? cacheContext.cache : undefined;
  if (cacheContext.cache && !cache)
    context.say(
      `layer ${name}: not kept in the cache (its steps run no program: block reuse makes it again in about the time a copy out of the cache takes)`,
    );
  const hit = await cache?.restore(key, plan, context.workDir);
  if (hit) {
    context.say(`layer ${name}: reused from cache (key ${key.slice(0, 12)}, made in ${seconds}s)`);
    return hit;
  }
  // One build makes the entry; one that waited for it finds it stored.
  await using _claim = cache ? await cache.claim(key, context.say) : undefined;
  const madeMeanwhile = await cache?.restore(key, plan, context.workDir);
  if (madeMeanwhile) {
    context.say(
      `layer ${name}: reused from cache, made by another build meanwhile (key ${key.slice(0, 12)})`,
    );
    return madeMeanwhile;
  }
  if (cache) context.say(`layer ${name}: not in the cache (key ${key.slice(0, 12)}, made in ${seconds}s)`);
  const result = await customizeLayer(plan, { ...context, extraSteps });
  const reproducibility = records && (await compareWithRecord(records, key, result, context.say));
  await cache?.store(key, result, context.say);
  return { ...result, cached: false, cacheKey: key, reproducibility };
}

/**
 * Whether a layer saves more, taken from the cache, than keeping it costs. A layer repacked by
 * block reuse from steps that only place files is made again in about the time of a copy of it;
 * kept, it would share its file with the cache, so the write would copy it into the output
 * (output/splice/) and hash it again, instead of moving the file the build hashed as it wrote it.
 */
function worthKeeping(plan: LayerPlan, extraSteps: readonly RecipeStep[]): boolean {
  return plan.repack === 'full' || [...plan.recipe.steps, ...extraSteps].some(runsProgram);
}

/**
 * The layer's key; undefined for a shell step in the layer, and for a layer above one this build
 * rebuilt without a key (the key would stand for that layer's input bytes, not its new ones).
 */
async function makeKeyUnlessBelowUnkeyed(
  plan: LayerPlan,
  context: CustomizeContext,
  { done, extraSteps }: LayerCacheContext,
  cacheDir: string,
): Promise<string | undefined> {
  const reads = new Set([...plan.ancestors, ...plan.above].map((extent) => extent.name));
  if (done.some((layer) => !layer.cacheKey && reads.has(layer.name))) return undefined;
  return makeLayerKey(plan, {
    recipeDir: context.recipeDir,
    extraSteps,
    rebuiltKeys: new Map(done.flatMap((r) => (r.cacheKey ? [[r.name, r.cacheKey] as const] : []))),
    sourceDateEpoch: context.sourceDateEpoch,
    memoFile: join(cacheDir, 'extent-hashes.json'),
  });
}

/**
 * The layer compared with the last build of its key, and recorded for the next. Only advice: a layer
 * the reader cannot read (lzo) or a full disk costs the comparison, not the build.
 */
async function compareWithRecord(
  records: LayerRecords,
  key: string,
  result: LayerResult,
  say: (line: string) => void,
): Promise<LayerReproducibility | undefined> {
  const started = performance.now();
  try {
    const check = await records.compare(key, result);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const paths = result.changed.length;
    const digested = `${paths} changed ${paths === 1 ? 'path' : 'paths'} digested in ${seconds}s`;
    if (!check) say(`layer ${result.name}: recorded for later builds (${digested})`);
    else if (check.identical)
      say(
        `layer ${result.name}: the same bytes as the build of ${describeBuildTime(check.comparedWith)} (${digested})`,
      );
    else say(describeNotReproducible(result.name, check));
    return check;
  } catch (error) {
    say(`layer ${result.name}: not compared with earlier builds: ${(error as Error).message}`);
    return undefined;
  }
}
