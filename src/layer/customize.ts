import { customizeOverMount } from './customize-mounted.ts';
import { customizeUnpacked } from './customize-unpacked.ts';
import type { CustomizeContext, LayerResult } from './workspace.ts';
import type { LayerPlan } from './plan.ts';

export { rebase } from './workspace.ts';
export type { CustomizeContext, LayerResult } from './workspace.ts';

/**
 * One layer, start to finish: over the mounted layer (block reuse, or a full repack of a base
 * layer packed from the merged view), else unpacked (a full repack of a layer with ancestors,
 * whose own whiteouts a merged view would not show).
 */
export function customizeLayer(plan: LayerPlan, context: CustomizeContext): Promise<LayerResult> {
  const overMount = plan.repack === 'reuse' || plan.ancestors.length === 0;
  return overMount ? customizeOverMount(plan, context) : customizeUnpacked(plan, context);
}
