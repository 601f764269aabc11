import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { GrowingFileHasher } from '../safety/growing-file-hash.ts';

/** A file the medium's checksum files list, with the algorithms they list it in. */
export interface ListedFile {
  isoPath: string;
  algorithms: readonly string[];
}

/**
 * Digests of files of a written ISO, taken from its bytes as they were written, by
 * digestKey(algorithm, extent, size): verify looks up a listed file by where the output has it.
 */
export type WrittenDigests = ReadonlyMap<string, string>;

export function digestKey(algorithm: string, extentLba: number, size: number): string {
  return `${algorithm}:${extentLba}:${size}`;
}

const POLL_MS = 50;

/**
 * While WRITTEN (xorriso writing ISO front to back) runs: waits until the new directory tree is
 * on disk (xorriso writes it before any file data), finds where each of LISTED lies, and hashes
 * those extents on a worker thread just behind the writer, so the verify stage has every listed
 * file's digest without reading the ISO again. A listed file the tree does not have by the time
 * the write ends is left out: verify then reads it itself.
 */
export async function hashWhileIsoIsWritten(
  iso: string,
  listed: readonly ListedFile[],
  written: Promise<void>,
): Promise<WrittenDigests> {
  let done = false;
  const finished = written.finally(() => (done = true));
  finished.catch(() => undefined); // awaited below
  const algorithms = [...new Set(listed.flatMap((file) => file.algorithms))];
  let extents: Map<string, { lba: number; size: number }> | null = null;
  while (!extents && !done && algorithms.length) {
    extents = await findExtents(iso, listed);
    if (!extents) await Promise.race([sleep(POLL_MS), finished.catch(() => undefined)]);
  }
  if (!extents) {
    await finished;
    return new Map();
  }
  const ranges = uniqueRanges([...extents.values()]);
  const hasher = new GrowingFileHasher(iso, ranges, algorithms);
  try {
    await finished;
  } catch (error) {
    await hasher.stop();
    throw error;
  }
  const results = await hasher.finish((await stat(iso)).size);
  const digests = new Map<string, string>();
  for (const result of results)
    for (const [algorithm, digest] of Object.entries(result.digests))
      digests.set(digestKey(algorithm, result.start / SECTOR, result.length), digest);
  return digests;
}

/** Where each listed file lies in ISO as written so far; null while its tree is not all written. */
async function findExtents(
  iso: string,
  listed: readonly ListedFile[],
): Promise<Map<string, { lba: number; size: number }> | null> {
  try {
    await using image = await IsoImage.open(iso);
    const extents = new Map<string, { lba: number; size: number }>();
    for (const { isoPath } of listed) {
      const entry = await image.stat(isoPath);
      if (entry && !entry.isDirectory) extents.set(isoPath, { lba: entry.extentLba, size: entry.size });
    }
    return extents;
  } catch {
    return null;
  }
}

/** One range per extent (files may share one), in the order they are written. */
function uniqueRanges(extents: readonly { lba: number; size: number }[]) {
  const seen = new Map<string, { start: number; length: number }>();
  for (const { lba, size } of extents) seen.set(`${lba}:${size}`, { start: lba * SECTOR, length: size });
  return [...seen.values()];
}
