import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SECTOR } from '../../iso/volume.ts';
import { insertRange, insertRangeBlockSize } from '../../tools/fallocate.ts';
import { type Placement, planSplice } from './patches.ts';
import type { SkeletonLayout } from './skeleton-layout.ts';

export interface SpliceFile {
  localPath: string;
  /** Nothing reads the local file after the write: it may become the output itself. */
  disposable: boolean;
  /** Settles once nothing still reads the file (its digests as written): a moved file waits for it. */
  read?: Promise<unknown>;
}

export interface Assembled {
  placement: Placement;
  /** The output holds the local file's own blocks (renamed into place), not a copy of them. */
  moved: boolean;
}

/**
 * Makes OUTPUT from SKELETON with FILE's bytes where the skeleton has its stand-in: FILE becomes
 * (or is copied to) OUTPUT, a hole the size of the skeleton's head is inserted before its bytes
 * (fallocate --insert-range: no byte of FILE is read or written again), the head and what
 * followed the stand-in are copied from the skeleton, and every address that changed is written.
 * Returns null, with FILE as it was and no OUTPUT, where the file system cannot insert a range
 * (known before FILE is copied there: tmpfs, btrfs, NFS...).
 */
export async function assembleSplice(
  skeleton: string,
  layout: SkeletonLayout,
  file: SpliceFile,
  output: string,
  signal?: AbortSignal,
): Promise<Assembled | null> {
  const blockBytes = await insertRangeBlockSize(dirname(output));
  if (blockBytes === null) return null;
  const size = (await stat(file.localPath)).size;
  const lba = alignedBlock(layout.standIn, blockBytes);
  const plan = planSplice(layout, { lba, size });
  const moved = await placeFile(file, output);
  // The hole goes into the very inode a digest may still be reading.
  if (moved) await file.read;
  try {
    await insertRange(output, 0, lba * SECTOR, signal);
  } catch (error) {
    if (moved) await rename(output, file.localPath);
    else await rm(output, { force: true });
    if (signal?.aborted) throw error;
    return null;
  }
  await copyRange(skeleton, 0, layout.standIn * SECTOR, output, 0, signal);
  const tail = (layout.standIn + 1) * SECTOR;
  await copyRange(skeleton, tail, layout.sizeBytes - tail, output, tail + plan.shift * SECTOR, signal);
  await using handle = await open(output, 'r+');
  for (const write of plan.writes) await handle.write(write.bytes, 0, write.bytes.length, write.offset);
  await handle.truncate(plan.sizeBytes);
  return { placement: { lba, size }, moved };
}

/**
 * The first block at or after STANDIN whose byte offset is a multiple of the file system's block
 * size (a 4 KiB ext4 block is two ISO blocks): where the file's bytes can start after a hole is
 * inserted in front of them. A block skipped between stand-in and file stays zero.
 */
function alignedBlock(standIn: number, bytes: number): number {
  const step = bytes / gcd(bytes, SECTOR);
  return Math.ceil(standIn / step) * step;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * FILE renamed to OUTPUT when it may be (same file system), else copied: a clone sharing its
 * blocks where the file system can (xfs, btrfs), else copy_file_range(2) (libuv's copyFile).
 */
async function placeFile(file: SpliceFile, output: string): Promise<boolean> {
  await rm(output, { force: true });
  if (file.disposable && (await stat(file.localPath)).nlink === 1) {
    const renamed = await rename(file.localPath, output).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EXDEV') return false;
        throw error;
      },
    );
    if (renamed) return true;
  }
  await copyFile(file.localPath, output, constants.COPYFILE_FICLONE);
  return false;
}

async function copyRange(
  from: string,
  start: number,
  length: number,
  to: string,
  at: number,
  signal?: AbortSignal,
): Promise<void> {
  if (length <= 0) return;
  await pipeline(
    createReadStream(from, { start, end: start + length - 1, highWaterMark: 1 << 20 }),
    createWriteStream(to, { flags: 'r+', start: at }),
    { signal },
  );
}
