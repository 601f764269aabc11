import { chmod, chown, lstat, rm, utimes, writeFile } from 'node:fs/promises';
import { hashFileRange } from '../../safety/hash-range.ts';
import { SECTOR } from '../../iso/volume.ts';
import type { IsoChanges } from '../changes.ts';
import { digestKey, type ListedFile, type WrittenDigests } from '../written-digests.ts';
import { applyDigestPatches } from '../digest-patches.ts';
import { assembleSplice, type Assembled } from './assemble.ts';
import { readSkeletonLayout } from './skeleton-layout.ts';

/** The replaced file whose bytes isoforge puts in place itself, and whether it may be moved there. */
export interface SpliceRequest {
  isoPath: string;
  disposable: boolean;
  /** Its digests by algorithm, taken as it was written (hashWhileWriting): the output's own once it is moved there. */
  digests?: Readonly<Record<string, Promise<string>>>;
}

/** What writeSpliced needs of a write: a xorriso run of CHANGES to OUTPUT, hashing LISTED as it goes. */
export type XorrisoWrite = (
  changes: IsoChanges,
  output: string,
  listed: readonly ListedFile[],
) => Promise<WrittenDigests>;

const STAND_IN = 'x';
/** ISO 9660 file sizes are 32-bit. */
const MAX_BYTES = 0xffffffff;

/**
 * Writes OUTPUT with one large replaced file not copied by xorriso, which reads such a file in
 * 2 KiB reads, each handed between its threads: about a million of each for a 2 GB layer.
 * xorriso writes a skeleton with a one-byte stand-in placed last of all file data; the file then
 * takes the stand-in's place (assemble.ts). The digests of LISTED come from the skeleton's write
 * and, for the file itself, from its hashing as it was written when it was moved into place, or
 * from the output when it was copied. Returns null when the splice does not apply (said through SAY): the caller then
 * writes with xorriso alone.
 */
export async function writeSpliced(
  request: SpliceRequest,
  changes: IsoChanges,
  output: string,
  listed: readonly ListedFile[],
  write: XorrisoWrite,
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<WrittenDigests | null> {
  const file = changes.replace.find((entry) => entry.isoPath === request.isoPath);
  if (!file) return null;
  const info = await lstat(file.localPath);
  if (!info.isFile() || info.size > MAX_BYTES) return null;
  const standIn = `${file.localPath}.stand-in`;
  const skeleton = `${file.localPath}.skeleton.iso`;
  try {
    await writeStandIn(standIn, info);
    const skeletonChanges: IsoChanges = {
      ...changes,
      replace: changes.replace.map((entry) => (entry === file ? { ...entry, localPath: standIn } : entry)),
      last: request.isoPath,
      // Written into the finished output instead: a skeleton that cannot be spliced leaves them undone.
      patches: undefined,
    };
    const others = listed.filter((entry) => entry.isoPath !== request.isoPath);
    const digests = await write(skeletonChanges, skeleton, others);
    const reading = await readSkeletonLayout(skeleton, request.isoPath, STAND_IN.length);
    if ('unsupported' in reading) {
      say(`xorriso copies ${request.isoPath}: ${reading.unsupported}`);
      return null;
    }
    const assembled = await assembleSplice(
      skeleton,
      reading.layout,
      {
        localPath: file.localPath,
        disposable: request.disposable,
        read: Promise.allSettled(Object.values(request.digests ?? {})),
      },
      output,
      signal,
    );
    if (!assembled) {
      say(`xorriso copies ${request.isoPath}: the file system of ${output} cannot insert a range`);
      return null;
    }
    await applyDigestPatches(output, changes.patches ?? []);
    say(`${request.isoPath} put in place at block ${assembled.placement.lba}, not copied by xorriso`);
    const own = listed.find((entry) => entry.isoPath === request.isoPath);
    return own ? withOwnDigests(digests, own, request, output, assembled, signal) : digests;
  } finally {
    await rm(standIn, { force: true });
    await rm(skeleton, { force: true });
  }
}

/** The stand-in as xorriso records the file: same mode, owner and times, one byte. */
async function writeStandIn(path: string, like: Awaited<ReturnType<typeof lstat>>): Promise<void> {
  await writeFile(path, STAND_IN);
  await chmod(path, Number(like.mode) & 0o7777);
  if (Number(like.uid) !== process.getuid?.() || Number(like.gid) !== process.getgid?.())
    await chown(path, Number(like.uid), Number(like.gid));
  await utimes(path, like.atime, like.mtime);
}

/**
 * The file's digests where the output has it. Renamed into place, its blocks are the ones hashed
 * as they were written; a copy, or a digest not taken then, is hashed from the output.
 */
async function withOwnDigests(
  digests: WrittenDigests,
  own: ListedFile,
  request: SpliceRequest,
  output: string,
  { placement, moved }: Assembled,
  signal?: AbortSignal,
): Promise<WrittenDigests> {
  const all = new Map(digests);
  const { lba, size } = placement;
  for (const algorithm of own.algorithms) {
    const asWritten = moved ? request.digests?.[algorithm] : undefined;
    const digest = await (asWritten ?? hashFileRange(output, lba * SECTOR, size, algorithm, signal));
    all.set(digestKey(algorithm, lba, size), digest);
  }
  return all;
}
