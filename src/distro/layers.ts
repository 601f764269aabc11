/**
 * Ubuntu's layered casper images: "A.B.C.squashfs" stacks on "A.B" and "A". Pure functions
 * over layer names (file names without ".squashfs").
 */
export function parentLayerNames(name: string): string[] {
  const parts = name.split('.');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** The layers NAME stacks on that exist in LAYERS, bottom first, NAME last. */
export function layerChain(name: string, layers: readonly string[]): string[] {
  return [...parentLayerNames(name).filter((parent) => layers.includes(parent)), name];
}

/** Layers no other layer stacks on: each is the top of one bootable or installable chain. */
export function topLayers(layers: readonly string[]): string[] {
  return layers.filter((name) => !layers.some((other) => other !== name && other.startsWith(`${name}.`)));
}

/** Every maximal chain, bottom first: the sample's three layers form one. */
export function layerChains(layers: readonly string[]): string[][] {
  return topLayers(layers).map((top) => layerChain(top, layers));
}

/** Layers stacked above NAME on some chain: where a change to NAME can be shadowed. */
export function layersAbove(name: string, layers: readonly string[]): string[] {
  return layers.filter((other) => other.startsWith(`${name}.`));
}

/**
 * Layers whose content hides a change to NAME from an installed system: those stacked above it on
 * an install source's chain (the installer's own layer is never installed). Without install sources
 * (Debian live, or no install-sources.yaml), every layer stacked above.
 */
export function shadowingLayers(
  name: string,
  layers: readonly string[],
  installChains: readonly (readonly string[])[],
): string[] {
  const chains = installChains.filter((chain) => chain.includes(name));
  if (!chains.length) return layersAbove(name, layers);
  return [...new Set(chains.flatMap((chain) => chain.slice(chain.indexOf(name) + 1)))];
}

/** Whether NAME is part of the live installer system casper/vmlinuz boots (a chain with an "installer" layer). */
export function feedsInstaller(name: string, layers: readonly string[]): boolean {
  return layers.some(
    (other) => (other === name || other.startsWith(`${name}.`)) && other.split('.').includes('installer'),
  );
}
