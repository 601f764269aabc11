import { layoutNamed } from '../distro/layouts/index.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import type { LayerInfo } from '../inspect/layout.ts';
import type { IsoImage } from '../iso/image.ts';
import { comparePackages, isPackagesDifferent, type PackagesDiff, parsePackageList } from './packages.ts';
import { changedFields, type FieldChange } from './volume.ts';

export interface LayerDiff {
  name: string;
  status: 'added' | 'removed' | 'changed';
  /** Size on the medium, unpacked size (.size sidecar), compression, inode count: those that differ. */
  changes: FieldChange[];
  /** From the packages sidecars; null when either side has none. */
  packages: PackagesDiff | null;
}

/** One ISO as the layer comparison needs it. */
export interface LayerSide {
  image: IsoImage;
  report: IsoReport;
}

/** Per squashfs layer (matched by name): sizes before/after and the packages that came or went. */
export async function compareLayers(a: LayerSide, b: LayerSide): Promise<LayerDiff[]> {
  const diffs: LayerDiff[] = [];
  for (const layer of a.report.layers) {
    const other = b.report.layers.find((l) => l.name === layer.name);
    const diff = other
      ? await compareLayer(a, layer, b, other)
      : { name: layer.name, status: 'removed' as const, changes: [], packages: null };
    if (diff) diffs.push(diff);
  }
  for (const layer of b.report.layers) {
    if (!a.report.layers.some((l) => l.name === layer.name))
      diffs.push({ name: layer.name, status: 'added', changes: [], packages: null });
  }
  return diffs;
}

async function compareLayer(
  a: LayerSide,
  x: LayerInfo,
  b: LayerSide,
  y: LayerInfo,
): Promise<LayerDiff | null> {
  const changes = changedFields(layerFields(x), layerFields(y));
  const before = await readPackages(a, x);
  const after = await readPackages(b, y);
  const packages = before && after ? comparePackages(before, after) : null;
  if (!changes.length && !(packages && isPackagesDifferent(packages))) return null;
  return { name: x.name, status: 'changed', changes, packages };
}

function layerFields(layer: LayerInfo) {
  return {
    sizeBytes: layer.sizeBytes,
    recordedSize: layer.recordedSize,
    compression: layer.superblock?.compression ?? null,
    blockSize: layer.superblock?.blockSize ?? null,
    inodes: layer.superblock?.inodes ?? null,
    signature: layer.signature,
  };
}

async function readPackages(side: LayerSide, layer: LayerInfo): Promise<Map<string, string> | null> {
  const layout = layoutNamed(side.report.layout);
  if (!layout || !layer.manifest) return null;
  const text = await side.image.readText(layout.packagesSidecar(layer.path));
  return text === null ? null : parsePackageList(text);
}
