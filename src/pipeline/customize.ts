import { customizeByDelta } from './customize-delta.ts';
import { customizeUnpacked } from './customize-unpacked.ts';
import type { CustomizeContext, LayerResult } from './layer-work.ts';
import type { LayerPlan } from './plan.ts';

export { APT_CLEAN, rebase } from './layer-work.ts';
export type { CustomizeContext, LayerResult } from './layer-work.ts';

/** One layer, start to finish: block reuse over the mounted layer, or a full unpack and repack. */
export function customizeLayer(plan: LayerPlan, context: CustomizeContext): Promise<LayerResult> {
  return plan.repack === 'reuse' ? customizeByDelta(plan, context) : customizeUnpacked(plan, context);
}
