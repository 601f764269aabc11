import type { MediumLayout } from '../distro/layouts/index.ts';
import { RecipeError } from '../errors.ts';
import type { IsoReport } from '../inspect/inspect.ts';

/**
 * A key of a recipe's `layers:` names a layer, or says what the user means:
 * - `installer`: every chain the medium's menu entries boot (on 22.04.5 both kernel layers);
 * - `system`: the top layer of the default install source, which the installer copies;
 * - `system:ID`: the top layer of the install source with that id.
 */
export const LAYER_TARGETS = ['installer', 'system'] as const;

export type TargetReport = Pick<IsoReport, 'layers' | 'installSources' | 'bootChains'>;

/** A layer the recipe customizes, with the recipe key that named it. */
export interface ResolvedLayer<T> {
  layer: string;
  /** The target the recipe used (installer, system, system:ID), or undefined for a layer name. */
  target?: string;
  recipe: T;
}

/** Every recipe key resolved to layers; a layer named twice (by name and by a target) is an error. */
export function resolveLayerTargets<T>(
  recipes: Readonly<Record<string, T>>,
  report: TargetReport,
  layout: MediumLayout,
  recipeFile: string,
): ResolvedLayer<T>[] {
  const resolved: ResolvedLayer<T>[] = [];
  for (const [key, recipe] of Object.entries(recipes)) {
    const layers = resolveKey(key, report, layout, recipeFile);
    const target = report.layers.some((l) => l.name === key) ? {} : { target: key };
    for (const layer of layers) {
      const twice = resolved.find((r) => r.layer === layer);
      if (twice) {
        const names = [twice.target ?? layer, key].map((name) => `'${name}'`).join(' and ');
        throw new RecipeError(`${recipeFile}: layer ${layer} is named twice, by ${names}`, {
          hint: 'put its steps under one key',
        });
      }
      resolved.push({ layer, ...target, recipe });
    }
  }
  return resolved;
}

/** The layers KEY stands for: itself when it is a layer of the medium, else the target's layers. */
function resolveKey(key: string, report: TargetReport, layout: MediumLayout, recipeFile: string): string[] {
  const names = report.layers.map((l) => l.name);
  if (names.includes(key)) return [key];
  if (key === 'installer') return installerLayers(report, layout, recipeFile);
  if (key === 'system' || key.startsWith('system:')) return [systemLayer(key, report, recipeFile)];
  throw new RecipeError(`${recipeFile}: layer '${key}' is not on the ISO`, {
    hint: `layers on it: ${names.join(', ') || 'none (not a casper or live ISO)'}; targets: ${validTargets(report).join(', ')}`,
  });
}

/** The tops of the chains the menu entries boot; without chains, the layers the layout boots. */
function installerLayers(report: TargetReport, layout: MediumLayout, recipeFile: string): string[] {
  const names = report.layers.map((l) => l.name);
  const tops = (report.bootChains ?? []).map((entry) => entry.chain.at(-1)).filter((t) => t !== undefined);
  const layers = tops.length ? [...new Set(tops)] : names.filter((name) => layout.bootsLayer(name, names));
  if (!layers.length) {
    throw new RecipeError(`${recipeFile}: target 'installer': no menu entry of the ISO boots a layer`, {
      hint: `name the layers instead: ${names.join(', ')}`,
    });
  }
  return layers.sort();
}

/** The top layer of the default install source (system), or of the one with id ID (system:ID). */
function systemLayer(key: string, report: TargetReport, recipeFile: string): string {
  const id = key.startsWith('system:') ? key.slice('system:'.length) : undefined;
  const sources = report.installSources;
  if (!sources.length && report.layers.length === 1 && !id) return report.layers[0]?.name as string;
  const source = id ? sources.find((s) => s.id === id) : sources.find((s) => s.default);
  const top = source?.chain.at(-1);
  if (!top) {
    const ids = sources.map((s) => `system:${s.id}`).join(', ');
    throw new RecipeError(
      `${recipeFile}: target '${key}': ${id ? `no install source has id ${id}` : 'the ISO has no default install source'}`,
      {
        hint: ids
          ? `install sources on it: ${ids}`
          : 'the ISO lists no install sources: name a layer instead',
      },
    );
  }
  return top;
}

/** What `layers:` accepts besides layer names on this medium. */
export function validTargets(report: Pick<TargetReport, 'installSources'>): string[] {
  return [...LAYER_TARGETS, ...report.installSources.map((s) => `system:${s.id}`)];
}
