import { layoutNamed } from '../distro/layouts/index.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import type { LayerInfo } from '../inspect/layout.ts';
import type { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { parseDpkgStatus } from '../distro/dpkg-status.ts';
import type { FileNode, SquashfsNode } from '../squashfs/model.ts';
import { openSquashfs, type SquashfsImage } from '../squashfs/read.ts';
import { compareLayerTrees, type LayerFilesDiff } from './layer-files.ts';
import { comparePackages, isPackagesDifferent, type PackagesDiff, parsePackageList } from './packages.ts';
import { changedFields, type FieldChange } from './volume.ts';

export interface LayerDiff {
  name: string;
  status: 'added' | 'removed' | 'changed';
  /** Size on the medium, unpacked size (.size sidecar), compression, inode count: those that differ. */
  changes: FieldChange[];
  /**
   * From the packages sidecars; when either side has none, from both layers' /var/lib/dpkg/status
   * (an upper layer's lists the lower layers' packages too, the same on both sides); null when
   * neither source is on both sides.
   */
  packages: PackagesDiff | null;
  /** Where `packages` came from. */
  packagesFrom: PackagesSource | null;
  /** The layer's files added, removed, changed (from both squashfs tables); null when not compared (added, removed or same layer file). */
  files: LayerFilesDiff | null;
}

export type PackagesSource = 'manifest' | 'dpkg-status';

/** One ISO as the layer comparison needs it. */
export interface LayerSide {
  image: IsoImage;
  report: IsoReport;
}

/** The layers' differences and the ISO bytes their squashfs tables took, per side. */
export interface LayersComparison {
  layers: LayerDiff[];
  bytesRead: { a: number; b: number };
}

/**
 * Per squashfs layer (matched by name): sizes before/after, the packages that came or went, and,
 * for a layer whose file differs (CHANGEDPATHS: ISO paths the file comparison found changed or
 * could not check), its files added, removed and changed.
 */
export async function compareLayers(
  a: LayerSide,
  b: LayerSide,
  changedPaths: ReadonlySet<string>,
): Promise<LayersComparison> {
  const comparison: LayersComparison = { layers: [], bytesRead: { a: 0, b: 0 } };
  for (const layer of a.report.layers) {
    const other = b.report.layers.find((l) => l.name === layer.name);
    const diff = other
      ? await compareLayer(a, layer, b, other, changedPaths.has(layer.path) ? comparison : null)
      : { name: layer.name, status: 'removed' as const, ...UNCOMPARED };
    if (diff) comparison.layers.push(diff);
  }
  for (const layer of b.report.layers) {
    if (!a.report.layers.some((l) => l.name === layer.name))
      comparison.layers.push({ name: layer.name, status: 'added', ...UNCOMPARED });
  }
  return comparison;
}

const UNCOMPARED = { changes: [], packages: null, packagesFrom: null, files: null };

/** Compares two layers of the same name; their trees too when COUNTER is given (the layer file differs). */
async function compareLayer(
  a: LayerSide,
  x: LayerInfo,
  b: LayerSide,
  y: LayerInfo,
  counter: LayersComparison | null,
): Promise<LayerDiff | null> {
  const changes = changedFields(layerFields(x), layerFields(y));
  const before = await readManifest(a, x);
  const after = await readManifest(b, y);
  let packages = before && after ? comparePackages(before, after) : null;
  let packagesFrom: PackagesSource | null = packages ? 'manifest' : null;
  let files: LayerFilesDiff | null = null;
  if (counter && x.superblock && y.superblock) {
    await using left = await openSquashfs(a.image.path, x.lba * SECTOR);
    await using right = await openSquashfs(b.image.path, y.lba * SECTOR);
    files = compareLayerTrees(left, right);
    if (!packages) {
      const statusA = await readDpkgStatus(left);
      const statusB = statusA && (await readDpkgStatus(right));
      if (statusA && statusB) [packages, packagesFrom] = [comparePackages(statusA, statusB), 'dpkg-status'];
    }
    counter.bytesRead.a += left.bytesRead;
    counter.bytesRead.b += right.bytesRead;
  }
  const filesDiffer = files !== null && files.added.length + files.removed.length + files.changed.length > 0;
  if (!changes.length && !(packages && isPackagesDifferent(packages)) && !filesDiffer) return null;
  return { name: x.name, status: 'changed', changes, packages, packagesFrom, files };
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

async function readManifest(side: LayerSide, layer: LayerInfo): Promise<Map<string, string> | null> {
  const layout = layoutNamed(side.report.layout);
  if (!layout || !layer.manifest) return null;
  const text = await side.image.readText(layout.packagesSidecar(layer.path));
  return text === null ? null : parsePackageList(text);
}

/** The packages of a layer's own /var/lib/dpkg/status; null when the layer does not hold that file. */
async function readDpkgStatus(image: SquashfsImage): Promise<Map<string, string> | null> {
  const status = findFile(image, ['var', 'lib', 'dpkg', 'status']);
  return status && parseDpkgStatus(Buffer.from(await image.readFile(status)).toString('utf8'));
}

function findFile(image: SquashfsImage, names: readonly string[]): FileNode | null {
  let node: SquashfsNode = image.root;
  for (const name of names) {
    const next: SquashfsNode | undefined = node.type === 'dir' ? node.entries.get(name) : undefined;
    if (!next) return null;
    node = next;
  }
  return node.type === 'file' ? node : null;
}
