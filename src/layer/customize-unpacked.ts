import { customizeUnpackedOn } from './harness.ts';
import { ExecutingHost } from './host-exec.ts';
import type { LayerPlan } from './plan.ts';
import { type CustomizeContext, finishLayer, type LayerResult, makeLapTimer, rebase } from './workspace.ts';

/**
 * A full repack (`repack: full`, or a changed compression) of a layer with ancestors: the
 * harness's unpacked workspace (harness.ts), run. (A base layer is packed from a merged view
 * instead: customize-mounted.ts.)
 */
export async function customizeUnpacked(plan: LayerPlan, context: CustomizeContext): Promise<LayerResult> {
  const elapsed = makeLapTimer();
  await using host = await ExecutingHost.open(context);
  const { outcome, facts, upper } = await customizeUnpackedOn(host, plan, {
    workDir: context.workDir,
    ancestors: plan.ancestors.map((a) => rebase(a, context.rebuilt)),
    steps: [...plan.recipe.steps, ...(context.extraSteps ?? [])],
  });
  context.say(`unpacked, customized, cleaned and packed in ${elapsed()}`);
  return finishLayer(plan, context, { upper, facts }, outcome);
}
