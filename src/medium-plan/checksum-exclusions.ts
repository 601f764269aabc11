import { checksumExclusions } from '../distro/checksums.ts';
import type { IsoReport } from '../inspect/inspect.ts';

/** Files xorriso rewrites (the boot catalog) or patches (El Torito images with boot info): never listed. */
export function excludedFromChecksums(original: Pick<IsoReport, 'bootCatalog' | 'eltorito'>): string[] {
  const patched = original.eltorito
    .filter((entry) => entry.path && (entry.bootInfoTable || entry.grub2BootInfo))
    .map((entry) => entry.path as string);
  return checksumExclusions(original.bootCatalog, patched);
}
