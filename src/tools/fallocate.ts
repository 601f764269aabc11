import { statfs } from 'node:fs/promises';
import { runCommand } from './exec.ts';

/**
 * util-linux fallocate: opens a hole of LENGTH bytes at OFFSET of FILE and moves what follows up
 * by LENGTH, by remapping the file's extents rather than copying its bytes
 * (FALLOC_FL_INSERT_RANGE; ext4 and xfs have it, tmpfs and btrfs do not). OFFSET and LENGTH must
 * be multiples of the file system's block size (insertRangeBlockSize). Fails, leaving FILE as it
 * was, where the file system cannot.
 */
export async function insertRange(
  file: string,
  offset: number,
  length: number,
  signal?: AbortSignal,
): Promise<void> {
  await runCommand(
    ['fallocate', '--insert-range', '--offset', String(offset), '--length', String(length), file],
    { signal },
  );
}

// statfs(2) f_type of the file systems whose Linux drivers implement FALLOC_FL_INSERT_RANGE.
const INSERTING_FILE_SYSTEMS = new Set([0xef53 /* ext4 */, 0x58465342 /* xfs */, 0xf2f52010 /* f2fs */]);

/**
 * The block size insertRange's offsets are counted in on the file system holding DIR, or null
 * where that file system cannot insert a range: asked before anything is copied there.
 */
export async function insertRangeBlockSize(dir: string): Promise<number | null> {
  const info = await statfs(dir);
  return INSERTING_FILE_SYSTEMS.has(info.type) ? info.bsize : null;
}
