import { layerChain } from './layers.ts';

/**
 * Which layers a casper boot mounts, as casper decides it (scripts/casper: `layerfs-path=` on the
 * kernel command line, else LAYERFS_PATH from the initrd's conf/conf.d/default-layer.conf, which
 * livecd-rootfs writes per kernel flavour): the named layer over every layer its name stacks on
 * (dot-components stripped); with neither, every squashfs in the folder.
 */
export type LayerSource = 'cmdline' | 'initrd' | 'all';

export interface BootChain {
  /** Where the layer name came from: the entry's command line, its initrd's conf, or nowhere (all layers). */
  source: LayerSource;
  /** The top layer it names (without .squashfs); null when every layer is mounted. */
  layer: string | null;
  /** The layers mounted, bottom first. */
  chain: string[];
}

/** The `layerfs-path=` value of a kernel command line (the last one wins, as in casper's loop), as a layer name. */
export function parseLayerfsPath(cmdline: string): string | null {
  const values = cmdline
    .split(/\s+/)
    .filter((word) => word.startsWith('layerfs-path='))
    .map((word) => word.slice('layerfs-path='.length));
  return layerNameOf(values.at(-1));
}

/** LAYERFS_PATH of a default-layer.conf (a shell assignment, maybe quoted), as a layer name. */
export function parseDefaultLayerConf(text: string): string | null {
  const values = [...text.matchAll(/^\s*(?:export\s+)?LAYERFS_PATH=(["']?)([^"'\s]*)\1\s*$/gm)].map(
    (m) => m[2],
  );
  return layerNameOf(values.at(-1));
}

/** The chain an entry boots, from its command line's layer and its initrd's, over the medium's LAYERS. */
export function resolveBootChain(
  fromCmdline: string | null,
  fromInitrd: string | null,
  layers: readonly string[],
): BootChain {
  const [source, layer] = fromCmdline
    ? (['cmdline', fromCmdline] as const)
    : fromInitrd
      ? (['initrd', fromInitrd] as const)
      : (['all', null] as const);
  // With no name casper mounts every squashfs of the folder in its glob order.
  return { source, layer, chain: layer ? layerChain(layer, layers) : [...layers].sort() };
}

function layerNameOf(value: string | undefined): string | null {
  if (!value) return null;
  const file = value.slice(value.lastIndexOf('/') + 1);
  return file.endsWith('.squashfs') ? file.slice(0, -'.squashfs'.length) : file || null;
}
