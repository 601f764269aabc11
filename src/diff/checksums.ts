import { type ChecksumAlgorithm, entryIsoPath, parseChecksums } from '../distro/checksums.ts';
import { CHECKSUM_FILES } from '../distro/checksums.ts';
import type { IsoImage } from '../iso/image.ts';

/** ISO path -> algorithm -> hash, from every checksum file at the medium's root. */
export type ChecksumIndex = Map<string, Map<ChecksumAlgorithm, string>>;

/** Reads the checksum files (md5sum.txt, sha256sum.txt, ...) PATHS names into one index. */
export async function readChecksumIndex(image: IsoImage, paths: readonly string[]): Promise<ChecksumIndex> {
  const index: ChecksumIndex = new Map();
  for (const file of CHECKSUM_FILES.filter((f) => paths.includes(f.path))) {
    const text = await image.readText(file.path);
    for (const entry of parseChecksums(text ?? '', file.algorithm)) {
      const path = entryIsoPath(entry.path);
      const hashes = index.get(path) ?? new Map<ChecksumAlgorithm, string>();
      hashes.set(file.algorithm, entry.hash);
      index.set(path, hashes);
    }
  }
  return index;
}

/** Whether both media list PATH with one algorithm and the same hash; null when they share none. */
export function sameByChecksum(a: ChecksumIndex, b: ChecksumIndex, path: string): boolean | null {
  const left = a.get(path);
  const right = b.get(path);
  if (!left || !right) return null;
  for (const [algorithm, hash] of left) {
    const other = right.get(algorithm);
    if (other !== undefined) return other === hash;
  }
  return null;
}
