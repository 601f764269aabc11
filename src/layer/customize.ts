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
  return isUnpacked(plan) ? customizeUnpacked(plan, context) : customizeOverMount(plan, context);
}

/** A full repack of a layer with ancestors: unsquashfs, the steps, mksquashfs of the whole tree. */
export function isUnpacked(plan: Pick<LayerPlan, 'repack' | 'ancestors'>): boolean {
  return plan.repack !== 'reuse' && plan.ancestors.length > 0;
}
