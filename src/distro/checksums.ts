/**
 * The checksum files a live medium carries at its root: Ubuntu's md5sum.txt (casper-md5check reads
 * it at boot), live-build's sha256sum.txt (live-boot's verify-checksums), and their siblings.
 * Each is updated as text in its own format, so lines isoforge did not change stay as they were.
 */

export type ChecksumAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface ChecksumFile {
  /** ISO path of the file, e.g. /sha256sum.txt. */
  path: string;
  algorithm: ChecksumAlgorithm;
}

const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/** How many hex digits a digest in ALGORITHM has. */
export function hexLengthOf(algorithm: ChecksumAlgorithm): number {
  return HEX_LENGTH[algorithm];
}

/** Every name a checksum file goes by, with the algorithm it holds (live-build writes ALGsum.txt). */
export const CHECKSUM_FILES: readonly ChecksumFile[] = (['md5', 'sha1', 'sha256', 'sha512'] as const).flatMap(
  (algorithm) => [
    { path: `/${algorithm}sum.txt`, algorithm },
    { path: `/${algorithm.toUpperCase()}SUMS`, algorithm },
  ],
);

/** The checksum files present among PATHS (every file path on the medium). */
export function findChecksumFiles(paths: Iterable<string>): ChecksumFile[] {
  const present = new Set(paths);
  return CHECKSUM_FILES.filter((file) => present.has(file.path));
}

export interface ChecksumEntry {
  hash: string;
  /** As written in the file: "./casper/x" or "casper/x". */
  path: string;
}

/** `HASH  PATH` lines (coreutils format, `*` binary marker allowed) with a hash of ALGORITHM's length. */
export function parseChecksums(text: string, algorithm: ChecksumAlgorithm = 'md5'): ChecksumEntry[] {
  const line = new RegExp(`^([0-9a-fA-F]{${HEX_LENGTH[algorithm]}})\\s+\\*?(.+)$`);
  return text
    .split('\n')
    .map((text) => line.exec(text.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ hash: (match[1] ?? '').toLowerCase(), path: match[2] ?? '' }));
}

/** The ISO path an entry names: "./casper/x" and "casper/x" are both /casper/x. */
export function entryIsoPath(entryPath: string): string {
  return `/${entryPath.replace(/^\.?\/+/, '')}`;
}

/** What Ubuntu's md5sum.txt leaves out: itself, and what xorriso rewrites (catalog) or patches (BIOS image). */
export const UBUNTU_MD5_EXCLUDED = ['/md5sum.txt', '/boot.catalog', '/boot/grub/i386-pc/eltorito.img'];

/**
 * Files no checksum file can list: the checksum files themselves, the boot catalog xorriso
 * rewrites, and the El Torito images it patches (boot info table, GRUB2 boot info).
 */
export function checksumExclusions(
  bootCatalog: string | null,
  patchedBootImages: readonly string[],
): string[] {
  return [
    ...CHECKSUM_FILES.map((file) => file.path),
    ...(bootCatalog ? [bootCatalog] : []),
    ...patchedBootImages,
  ];
}

/** A removed folder takes every file below it out of the list too. */
function isRemoved(isoPath: string, gone: ReadonlySet<string>): boolean {
  for (const path of gone) if (isoPath === path || isoPath.startsWith(`${path}/`)) return true;
  return false;
}

/**
 * TEXT with CHANGED (iso path -> hash) re-hashed or added and REMOVED dropped; every other line is
 * kept as it was. New lines follow the file's own path style ("./x" unless it has none).
 */
export function updateChecksums(
  text: string,
  changed: ReadonlyMap<string, string>,
  removed: readonly string[],
  options: { algorithm?: ChecksumAlgorithm; excluded?: readonly string[] } = {},
): string {
  const algorithm = options.algorithm ?? 'md5';
  const skip = new Set(options.excluded ?? UBUNTU_MD5_EXCLUDED);
  const pending = new Map(
    [...changed].filter(([path]) => !skip.has(entryIsoPath(path))).map(([p, h]) => [entryIsoPath(p), h]),
  );
  const gone = new Set(removed.map(entryIsoPath));
  const entries = parseChecksums(text, algorithm);
  const dotted = entries.length === 0 || entries.some((entry) => entry.path.startsWith('./'));
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const entry = parseChecksums(line, algorithm)[0];
    if (!entry) {
      if (line.trim()) lines.push(line);
      continue;
    }
    const isoPath = entryIsoPath(entry.path);
    if (isRemoved(isoPath, gone)) continue;
    const hash = pending.get(isoPath);
    pending.delete(isoPath);
    lines.push(hash ? `${hash}  ${entry.path}` : line);
  }
  for (const [isoPath, hash] of pending) lines.push(`${hash}  ${dotted ? `.${isoPath}` : isoPath.slice(1)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Every file the checksum files among PATHS list, with the algorithms that list it; READTEXT gives
 * a checksum file's text as the new medium will have it (none: not on the medium).
 */
export async function listChecksummedFiles(
  paths: Iterable<string>,
  readText: (isoPath: string) => Promise<string | undefined>,
): Promise<{ isoPath: string; algorithms: ChecksumAlgorithm[] }[]> {
  const listed = new Map<string, Set<ChecksumAlgorithm>>();
  for (const file of findChecksumFiles(paths)) {
    const text = await readText(file.path);
    if (text === undefined) continue;
    for (const entry of parseChecksums(text, file.algorithm)) {
      const isoPath = entryIsoPath(entry.path);
      listed.set(isoPath, (listed.get(isoPath) ?? new Set()).add(file.algorithm));
    }
  }
  return [...listed].map(([isoPath, algorithms]) => ({ isoPath, algorithms: [...algorithms] }));
}
