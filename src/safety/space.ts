import { formatBytes } from '../ui/format.ts';
import { statfs } from 'node:fs/promises';
import { NoSpaceError } from '../errors.ts';

/**
 * Refuse before unpacking rather than fail with ENOSPC after an hour: estimate what a build needs and
 * compare it with the free space of the work directory's file system.
 */

/** Bytes an unprivileged writer can still use on the file system holding DIR (statfs f_bavail). */
export async function readFreeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}

/** Throws NoSpaceError with both numbers when DIR's file system has less than NEEDEDBYTES free. */
export async function checkFreeSpace(dir: string, neededBytes: number, what: string): Promise<void> {
  const free = await readFreeBytes(dir);
  if (free >= neededBytes) return;
  throw new NoSpaceError(
    `not enough free space in ${dir} for ${what}: needs about ${formatBytes(neededBytes)}, ` +
      `${formatBytes(free)} free`,
    { hint: `free ${formatBytes(neededBytes - free)} there or pass another --workdir` },
  );
}

/** One layer the build touches; sizes in bytes. */
export interface LayerSpace {
  name: string;
  /** Sum of the file sizes inside the squashfs (what unsquashfs writes). */
  unpackedBytes: number;
  /** Size of the .squashfs file today: the repacked layer needs about as much again. */
  squashfsBytes: number;
}

export interface SpaceEstimate {
  totalBytes: number;
  parts: { what: string; bytes: number }[];
}

/** Fixed headroom for logs, manifests, inode and block rounding. */
export const SPACE_HEADROOM_BYTES = 64 * 1024 * 1024;

/**
 * What a build needs in its work directory; pure. LAYERS give each unpacked size (estimateUnpackedBytes:
 * the casper .size file, else the squashfs superblock read by src/iso/squashfs.ts) and packed size.
 * Unpacked data is counted with 10% on top for directory blocks and small-file rounding.
 */
export function estimateBuildSpace(input: {
  layers: readonly LayerSpace[];
  isoBytes: number;
}): SpaceEstimate {
  const parts: SpaceEstimate['parts'] = [];
  for (const layer of input.layers) {
    parts.push({ what: `unpacked ${layer.name}`, bytes: Math.ceil(layer.unpackedBytes * 1.1) });
    parts.push({ what: `repacked ${layer.name}`, bytes: layer.squashfsBytes });
  }
  parts.push({ what: 'new ISO', bytes: input.isoBytes });
  parts.push({ what: 'headroom', bytes: SPACE_HEADROOM_BYTES });
  return { totalBytes: parts.reduce((sum, part) => sum + part.bytes, 0), parts };
}

/** Typical ratio of unpacked to packed bytes for a root file system under xz/zstd/gzip. */
export const TYPICAL_SQUASHFS_RATIO = 3;

/**
 * The unpacked size of a layer, best source first: the layer's casper `.size` file (the du of the
 * unpacked tree, recorded when the ISO was made); else from its superblock (src/iso/squashfs.ts): packed
 * bytes times a typical ratio plus one block per inode. Summing the inode table's file sizes needs its
 * metadata blocks decompressed (xz has no Node decoder): `unsquashfs -lls` gives that sum if ever needed.
 */
export function estimateUnpackedBytes(layer: {
  recordedSize?: number;
  superblock?: { bytesUsed: number; inodes: number; blockSize: number };
}): number {
  if (layer.recordedSize && layer.recordedSize > 0) return layer.recordedSize;
  const superblock = layer.superblock;
  if (!superblock) return 0;
  return superblock.bytesUsed * TYPICAL_SQUASHFS_RATIO + superblock.inodes * 4096;
}

/** Describes an estimate for a NoSpaceError's WHAT: "the build (unpacked x 1.2 GiB, ...)". */
export function describeEstimate(estimate: SpaceEstimate): string {
  return `the build (${estimate.parts.map((part) => `${part.what} ${formatBytes(part.bytes)}`).join(', ')})`;
}

export { formatBytes } from '../ui/format.ts';
