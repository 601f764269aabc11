import { inspectImage, type IsoReport } from '../inspect/inspect.ts';
import { IsoImage } from '../iso/image.ts';
import { type BootDiff, compareBoot, isBootDifferent } from './boot.ts';
import { compareFiles, type FilesDiff, isFilesDifferent } from './files.ts';
import { compareLayers, type LayerDiff } from './layers.ts';
import { compareMenus, type MenuDiff } from './menus.ts';
import { compareSectorMaps, type SectorMapDiff } from './sectormap.ts';
import { compareVolume, type VolumeDiff } from './volume.ts';

/** The `diff --json` document: every section lists what differs and is empty when nothing does. */
export interface IsoDiff {
  /** No counted difference: dates and unchecked big files do not count. */
  equal: boolean;
  /** The sections that differ: volume, boot, sectormap, files, menus, layers. */
  differences: string[];
  /** Bytes read from both ISOs by the whole diff (ISO 9660 structures, checksum files, layer tables). */
  bytesRead: number;
  /** bytesRead: from this ISO, its layers' squashfs tables included. */
  a: { path: string; sizeBytes: number; bytesRead: number };
  b: { path: string; sizeBytes: number; bytesRead: number };
  volume: VolumeDiff;
  boot: BootDiff;
  sectorMap: SectorMapDiff;
  files: FilesDiff;
  menus: MenuDiff[];
  layers: LayerDiff[];
}

/** What differs between two ISOs, from their bytes: both are read in place, neither is modified. */
export async function diffIsos(
  pathA: string,
  pathB: string,
  known: { a?: IsoReport; b?: IsoReport } = {},
): Promise<IsoDiff> {
  await using imageA = await IsoImage.open(pathA);
  await using imageB = await IsoImage.open(pathB);
  // A report the caller already has is not read again (a build inspects its input and output once).
  const reportA = known.a ?? (await inspectImage(imageA, pathA));
  const reportB = known.b ?? (await inspectImage(imageB, pathB));
  const a = { image: imageA, report: reportA, files: await imageA.walk('/') };
  const b = { image: imageB, report: reportB, files: await imageB.walk('/') };
  const volume = compareVolume(reportA, reportB);
  const boot = compareBoot(reportA, reportB);
  const sectorMap = compareSectorMaps(reportA.sectorMap, reportB.sectorMap);
  const files = await compareFiles(a, b);
  const menus = compareMenus(reportA.bootMenus, reportB.bootMenus);
  const changedPaths = new Set([...files.changed, ...files.unchecked].map((file) => file.path));
  const { layers, bytesRead } = await compareLayers(a, b, changedPaths);
  const differences = Object.entries({
    volume: volume.changes.length > 0,
    boot: isBootDifferent(boot),
    sectormap: sectorMap.regionsAddedOrRemoved,
    files: isFilesDifferent(files),
    menus: menus.length > 0,
    layers: layers.length > 0,
  })
    .filter(([, differs]) => differs)
    .map(([section]) => section);
  const readA = imageA.bytesRead + bytesRead.a + (known.a?.bytesRead ?? 0);
  const readB = imageB.bytesRead + bytesRead.b + (known.b?.bytesRead ?? 0);
  return {
    equal: differences.length === 0,
    differences,
    bytesRead: readA + readB,
    a: { path: pathA, sizeBytes: imageA.sizeBytes, bytesRead: readA },
    b: { path: pathB, sizeBytes: imageB.sizeBytes, bytesRead: readB },
    volume,
    boot,
    sectorMap,
    files,
    menus,
    layers,
  };
}
