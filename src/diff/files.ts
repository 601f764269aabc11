import type { IsoReport } from '../inspect/inspect.ts';
import type { IsoEntry, IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { type ChecksumIndex, readChecksumIndex, sameByChecksum } from './checksums.ts';

/** Files up to this size are compared byte for byte when nothing cheaper decides. */
export const CONTENT_LIMIT = 16 * 1024 * 1024;
/** Bigger files of equal size: their first and last SAMPLE bytes are compared, nothing more. */
const SAMPLE = 64 * 1024;

export interface FileSize {
  path: string;
  size: number;
}

export interface FileChange {
  path: string;
  sizeA: number;
  sizeB: number;
  /** What decided it: the checksum files, the sizes, the bytes, a sample of a big file, a symlink target. */
  decidedBy: 'checksum' | 'size' | 'content' | 'sample' | 'target';
}

export interface FilesDiff {
  added: FileSize[];
  removed: FileSize[];
  changed: FileChange[];
  /** Big files of equal size that no checksum file lists and whose sampled bytes agree: not counted. */
  unchecked: FileSize[];
  /** The topmost folders only B has / only A has (their files are in added / removed too). */
  addedFolders: string[];
  removedFolders: string[];
}

/** One ISO as the file comparison needs it. */
export interface FileSide {
  image: IsoImage;
  report: IsoReport;
  files: readonly IsoEntry[];
}

/** Files added, removed and changed, deciding "changed" with the fewest bytes read. */
export async function compareFiles(a: FileSide, b: FileSide): Promise<FilesDiff> {
  const left = filesByPath(a.files);
  const right = filesByPath(b.files);
  const sums: [ChecksumIndex, ChecksumIndex] = [
    await readChecksumIndex(a.image, a.report.checksumFiles),
    await readChecksumIndex(b.image, b.report.checksumFiles),
  ];
  const diff: FilesDiff = {
    added: [],
    removed: [],
    changed: [],
    unchecked: [],
    addedFolders: foldersOnlyIn(b.files, a.files),
    removedFolders: foldersOnlyIn(a.files, b.files),
  };
  for (const [path, entry] of left) if (!right.has(path)) diff.removed.push({ path, size: entry.size });
  for (const [path, entry] of right) if (!left.has(path)) diff.added.push({ path, size: entry.size });
  for (const [path, x] of left) {
    const y = right.get(path);
    if (!y) continue;
    const decidedBy = await decide(a, x, b, y, sums);
    if (decidedBy === 'unchecked') diff.unchecked.push({ path, size: x.size });
    else if (decidedBy) diff.changed.push({ path, sizeA: x.size, sizeB: y.size, decidedBy });
  }
  return diff;
}

/** Folders of ONE that OTHER lacks, without those below another such folder. */
function foldersOnlyIn(one: readonly IsoEntry[], other: readonly IsoEntry[]): string[] {
  const theirs = new Set(other.filter((f) => f.isDirectory).map((f) => f.path));
  const only = one.filter((f) => f.isDirectory && !theirs.has(f.path)).map((f) => f.path);
  return only.filter((path) => !only.some((top) => path.startsWith(`${top}/`)));
}

function filesByPath(files: readonly IsoEntry[]): Map<string, IsoEntry> {
  return new Map(files.filter((f) => !f.isDirectory).map((f) => [f.path, f]));
}

/** Why X and Y differ, null when they are the same, 'unchecked' when it was not worth reading. */
async function decide(
  a: FileSide,
  x: IsoEntry,
  b: FileSide,
  y: IsoEntry,
  sums: [ChecksumIndex, ChecksumIndex],
): Promise<FileChange['decidedBy'] | 'unchecked' | null> {
  if (x.isSymlink || y.isSymlink) return x.target === y.target ? null : 'target';
  if (x.size !== y.size) return 'size';
  // The boot catalog holds sector addresses only; the boot section compares what it says.
  if (x.path === a.report.bootCatalog && y.path === b.report.bootCatalog) return null;
  const listed = sameByChecksum(sums[0], sums[1], x.path);
  if (listed !== null) return listed ? null : 'checksum';
  if (x.size <= CONTENT_LIMIT) {
    const same = equalBytes(await readMasked(a, x, 0, x.size), await readMasked(b, y, 0, y.size));
    return same ? null : 'content';
  }
  const tail = x.size - SAMPLE;
  const head = equalBytes(await readMasked(a, x, 0, SAMPLE), await readMasked(b, y, 0, SAMPLE));
  if (!head || !equalBytes(await readMasked(a, x, tail, SAMPLE), await readMasked(b, y, tail, SAMPLE)))
    return 'sample';
  return 'unchecked';
}

/**
 * LENGTH bytes of ENTRY from OFFSET, with the fields xorriso patches into El Torito boot images
 * (boot info table, GRUB2 boot info: sector addresses) zeroed, so a moved image reads the same.
 */
async function readMasked(
  side: FileSide,
  entry: IsoEntry,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const bytes = await side.image.readRange(entry.extentLba * SECTOR + offset, length);
  for (const boot of side.report.eltorito.filter((e) => e.path === entry.path)) {
    // El Torito / mkisofs: the boot info table is bytes 8..63; GRUB2 boot info is 8 bytes at 2548.
    if (boot.bootInfoTable) zero(bytes, 8 - offset, 64 - offset);
    if (boot.grub2BootInfo) zero(bytes, 2548 - offset, 2556 - offset);
  }
  return bytes;
}

function zero(bytes: Uint8Array, start: number, end: number): void {
  if (end > 0 && start < bytes.length) bytes.fill(0, Math.max(start, 0), Math.min(end, bytes.length));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

export function isFilesDifferent(diff: FilesDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length > 0;
}
