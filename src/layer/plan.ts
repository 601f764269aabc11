import type { LayerInfo } from '../inspect/layout.ts';
import { SECTOR } from '../iso/volume.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import type { RecipeStep } from '../steps/registry.ts';
import type { SquashfsCompression } from '../tools/squashfs.ts';

/** The slice of a recipe's layer entry the layer's work reads: the recipe's other fields are planned above. */
export interface LayerSteps {
  steps: readonly RecipeStep[];
  /** Changes a layer above hides are accepted (checkShadowing). */
  allowShadowed: boolean;
}

/** One layer the build customizes, with everything needed to do it decided up front. */
export interface LayerPlan {
  layer: LayerInfo;
  /** The recipe's target that named this layer (installer, system, system:ID), if not its name. */
  target?: string;
  extent: LayerExtent;
  ancestors: LayerExtent[];
  /**
   * Layers stacked above, each with its chain (bottom first, as the layout stacks it): a change here
   * that one of them also carries is shadowed.
   */
  above: (LayerExtent & { chain: readonly string[] })[];
  recipe: LayerSteps;
  /** Whether the build adds the pool's signing key to this layer's apt (iso.pool). */
  trustsPoolKey: boolean;
  compression: SquashfsCompression;
  /**
   * How the layer is repacked: `reuse` copies the unchanged files' blocks from the original layer
   * (only when the recipe keeps its compression and block size), `full` runs mksquashfs on it all.
   */
  repack: 'reuse' | 'full';
  /**
   * The kernel and initrd pairs the medium boots this layer with (menu entries whose chain ends
   * here), each with the casper UUID its initrd expects: what a kernel installed here replaces.
   */
  boots: { kernel: string; initrd: string; uuid: string | null }[];
  /** Where the layer and its sidecars live on the medium. */
  isoPaths: { squashfs: string; packages: string; size: string; signature: string };
}

/** Where LAYER lies inside the ISO file: what overlays and readers open in place. */
export function extentOf(iso: string, layer: LayerInfo): LayerExtent {
  return { name: layer.name, file: iso, offset: layer.lba * SECTOR, size: layer.sizeBytes };
}
