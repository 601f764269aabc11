import { RecipeError } from '../errors.ts';
import { type RecipeStep, stepOf } from '../steps/registry.ts';
import { runUnsquashfsFindFiles } from '../tools/squashfs.ts';
import type { LayerPlan } from './plan.ts';

export interface ShadowedPath {
  path: string;
  layer: string;
}

/** Files a step is known to write before it runs (a script's writes are only known afterwards). */
export function parsePredictableWrites(step: RecipeStep): string[] {
  const { definition, params } = stepOf(step);
  return definition.writes?.(params) ?? [];
}

/**
 * The cheap shadowing check, before anything is unpacked: the files a layer's steps will surely
 * write, looked up in the layers stacked above it. The full check runs after the steps.
 */
export async function checkPredictedShadowing(
  layers: readonly LayerPlan[],
  signal?: AbortSignal,
): Promise<void> {
  for (const plan of layers) {
    if (plan.recipe.allowShadowed) continue;
    const writes = [...new Set(plan.recipe.steps.flatMap(parsePredictableWrites))];
    // One unsquashfs per layer above, all at once: each is a short lookup, mostly start-up.
    const shadowed = await Promise.all(
      plan.above.map(async (above): Promise<ShadowedPath[]> => {
        const found = await runUnsquashfsFindFiles(above.file, writes, { offset: above.offset, signal });
        return found.map((path) => ({ path, layer: above.name }));
      }),
    );
    checkShadowing(plan, shadowed.flat());
  }
}

/** Fails with the shadowed paths and the layer to target instead, unless the layer allows it. */
export function checkShadowing(plan: LayerPlan, shadowed: readonly ShadowedPath[]): void {
  if (!shadowed.length || plan.recipe.allowShadowed) return;
  const layers = [...new Set(shadowed.map((s) => s.layer))].sort();
  const targets = topmostOf(plan, layers);
  const paths = [...new Set(shadowed.map((s) => s.path))];
  const more = paths.length > 8 ? `, and ${paths.length - 8} more` : '';
  throw new RecipeError(
    `changes to layer ${plan.layer.name} are shadowed by ${layers.join(', ')}: ${paths.slice(0, 8).join(', ')}${more}`,
    {
      hint: `target ${targets.length > 1 ? `layers ${targets.join(' and ')}` : `layer ${targets[0]}`} instead, or set allowShadowed: true for ${plan.layer.name}`,
    },
  );
}

/**
 * Of the LAYERS that hide a change, those no other of them stacks on (by the chains the layout
 * made): a change there is what a system booting or installing that chain sees. Two kernel layers
 * over one installer layer are both tops.
 */
function topmostOf(plan: LayerPlan, layers: readonly string[]): string[] {
  const chainOf = (name: string) => plan.above.find((above) => above.name === name)?.chain ?? [name];
  return layers.filter((layer) => !layers.some((other) => other !== layer && chainOf(other).includes(layer)));
}
