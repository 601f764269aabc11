import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { GrowingFileHasher, type HashedRange, type RangeDigests } from '../safety/growing-file-hash.ts';

/** A file the medium's checksum files list, with the algorithms they list it in. */
export interface ListedFile {
  isoPath: string;
  algorithms: readonly string[];
  /**
   * For a file the build wrote and hashed already: its digest in IDENTITY (sha256) and in the listed
   * algorithms. Its extent is then hashed in sha256 alone: equal digests prove the written bytes are
   * that file's, so its other digests are theirs too (md5 runs at half sha256's speed here).
   */
  identity?: { sha256: string; digests: Readonly<Record<string, string>> };
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
 * the write ends, or a follower that failed, is left out: verify then reads those files itself.
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
  let extents: Map<string, Extent> | null = null;
  while (!extents && !done && algorithms.length) {
    extents = await findExtents(iso, listed);
    if (!extents) await Promise.race([sleep(POLL_MS), finished.catch(() => undefined)]);
  }
  if (!extents) {
    await finished;
    return new Map();
  }
  const ranges = rangesToHash(listed, extents);
  const hasher = new GrowingFileHasher(iso, ranges, algorithms);
  try {
    await finished;
  } catch (error) {
    await hasher.stop();
    throw error;
  }
  // A follower that could not keep up with what was written costs verify a read, never the build.
  const results = await hasher.finish((await stat(iso)).size).catch(() => []);
  return digestsOf(listed, extents, results);
}

/** One range per extent (files may share one), hashed in sha256 alone where every file there has an identity. */
function rangesToHash(listed: readonly ListedFile[], extents: ReadonlyMap<string, Extent>): HashedRange[] {
  const byExtent = new Map<string, { extent: Extent; files: ListedFile[] }>();
  for (const file of listed) {
    const extent = extents.get(file.isoPath);
    if (!extent) continue;
    const key = `${extent.lba}:${extent.size}`;
    byExtent.set(key, { extent, files: [...(byExtent.get(key)?.files ?? []), file] });
  }
  return [...byExtent.values()].map(({ extent, files }) => {
    const sha256 = files[0]?.identity?.sha256;
    const shared = sha256 !== undefined && files.every((file) => file.identity?.sha256 === sha256);
    const algorithms = shared
      ? ['sha256']
      : [...new Set(files.flatMap((file) => [...file.algorithms, 'sha256']))];
    return { start: extent.lba * SECTOR, length: extent.size, algorithms };
  });
}

/** Each extent's digests; a file with an identity lends its digests to the extent whose sha256 is its own. */
function digestsOf(
  listed: readonly ListedFile[],
  extents: ReadonlyMap<string, Extent>,
  results: readonly RangeDigests[],
): WrittenDigests {
  const digests = new Map<string, string>();
  const byRange = new Map(results.map((result) => [`${result.start}:${result.length}`, result]));
  for (const result of results)
    for (const [algorithm, digest] of Object.entries(result.digests))
      digests.set(digestKey(algorithm, result.start / SECTOR, result.length), digest);
  for (const file of listed) {
    const extent = extents.get(file.isoPath);
    const written = extent && byRange.get(`${extent.lba * SECTOR}:${extent.size}`);
    if (!extent || !file.identity || written?.digests.sha256 !== file.identity.sha256) continue;
    for (const [algorithm, digest] of Object.entries(file.identity.digests))
      digests.set(digestKey(algorithm, extent.lba, extent.size), digest);
  }
  return digests;
}

interface Extent {
  lba: number;
  size: number;
}

/** Where each listed file lies in ISO as written so far; null while its tree is not all written. */
async function findExtents(iso: string, listed: readonly ListedFile[]): Promise<Map<string, Extent> | null> {
  try {
    await using image = await IsoImage.open(iso);
    const extents = new Map<string, Extent>();
    for (const { isoPath } of listed) {
      const entry = await image.stat(isoPath);
      if (entry && !entry.isDirectory) extents.set(isoPath, { lba: entry.extentLba, size: entry.size });
    }
    return extents;
  } catch {
    return null;
  }
}
