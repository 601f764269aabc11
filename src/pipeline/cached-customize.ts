import { join } from 'node:path';
import type { RecipeStep } from '../steps/registry.ts';
import { customizeLayer, type CustomizeContext, type LayerResult } from './customize.ts';
import type { LayerCache } from './layer-cache.ts';
import { makeLayerKey } from './layer-key.ts';
import type { LayerPlan } from './plan.ts';

export interface LayerCacheContext {
  /** Undefined with --no-cache: every layer is customized. */
  cache?: LayerCache;
  /** The layers this build already made, below this one. */
  done: readonly LayerResult[];
  extraSteps: readonly RecipeStep[];
}

/**
 * One layer through the cache: a hit reuses the stored squashfs, manifest and sizes; a miss
 * customizes the layer and stores the result. The key is made before any work, from the input
 * bytes, the recipe and the step inputs (layer-key.ts), so a medium-only change hits.
 */
export async function customizeOrReuse(
  plan: LayerPlan,
  context: CustomizeContext,
  cacheContext: LayerCacheContext,
): Promise<LayerResult> {
  const { cache, done, extraSteps } = cacheContext;
  if (!cache) return customizeLayer(plan, { ...context, extraSteps });
  const started = performance.now();
  const key = await makeLayerKey(plan, {
    recipeDir: context.recipeDir,
    extraSteps,
    rebuiltKeys: new Map(done.flatMap((r) => (r.cacheKey ? [[r.name, r.cacheKey] as const] : []))),
    sourceDateEpoch: context.sourceDateEpoch,
    memoFile: join(cache.dir, 'extent-hashes.json'),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const name = plan.layer.name;
  if (!key) {
    context.say(
      `layer ${name}: not cached (a shell step: what is typed there is no input the cache can see)`,
    );
    return customizeLayer(plan, { ...context, extraSteps });
  }
  const hit = await cache.restore(key, plan, context.workDir);
  if (hit) {
    context.say(`layer ${name}: reused from cache (key ${key.slice(0, 12)}, made in ${seconds}s)`);
    return hit;
  }
  context.say(`layer ${name}: not in the cache (key ${key.slice(0, 12)}, made in ${seconds}s)`);
  const result = await customizeLayer(plan, { ...context, extraSteps });
  await cache.store(key, result, context.say);
  return { ...result, cached: false, cacheKey: key };
}
