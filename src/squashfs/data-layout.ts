import { open, type FileHandle } from 'node:fs/promises';
import { DATA_UNCOMPRESSED } from './format.ts';
import type { FileNode, SquashfsSource, StoredFragment } from './model.ts';

/** LENGTH bytes from byte FROM of source SOURCE (an index into SOURCEFDS) to byte TO of the target. */
export interface RangeCopy {
  source: number;
  from: number;
  to: number;
  length: number;
}

/** Copies ranges of open files into TARGET in the kernel (copy_file_range); throws where it cannot. */
export type KernelCopier = (
  target: string,
  sourceFds: readonly number[],
  copies: readonly RangeCopy[],
  signal?: AbortSignal,
) => Promise<void>;

/** Where a byte range of a source image lands in the new image. */
interface CopyRun {
  source: SquashfsSource;
  start: number;
  end: number;
  target: number;
}

/** A fragment block of the new image: where it now starts and its on-disk size word. */
export interface PlacedFragment {
  start: number;
  sizeWord: number;
}

/**
 * The data area of the new image, planned before anything is written: every stored byte range
 * (file blocks and the fragment blocks still referenced) of each source, merged where ranges touch
 * or overlap (duplicate files share blocks), laid out back to back from DATA_START in source order.
 */
export class DataLayout {
  private readonly runs: CopyRun[] = [];
  private readonly runsBySource = new Map<string, CopyRun[]>();
  private readonly fragmentIndex = new Map<string, number>();
  readonly fragments: PlacedFragment[] = [];
  readonly end: number;

  constructor(files: readonly FileNode[], dataStart: number) {
    const ranges = new Map<string, { source: SquashfsSource; spans: [number, number][] }>();
    const add = (source: SquashfsSource, start: number, length: number) => {
      if (length === 0) return;
      const key = sourceKey(source);
      const entry = ranges.get(key) ?? { source, spans: [] };
      entry.spans.push([start, start + length]);
      ranges.set(key, entry);
    };
    for (const file of files) {
      add(file.data.source, file.data.blocksStart, storedLength(file.data.blockSizes));
      const fragment = file.data.fragment;
      if (fragment) add(fragment.source, fragment.start, fragment.sizeWord & ~DATA_UNCOMPRESSED);
    }
    let cursor = dataStart;
    for (const { source, spans } of ranges.values()) {
      const runs: CopyRun[] = [];
      for (const [start, end] of mergeSpans(spans)) {
        runs.push({ source, start, end, target: cursor });
        cursor += end - start;
      }
      this.runs.push(...runs);
      this.runsBySource.set(sourceKey(source), runs);
    }
    this.end = cursor;
    this.placeFragments(files);
  }

  /** The new position of the byte at START of SOURCE (which must be inside a planned range). */
  translate(source: SquashfsSource, start: number): number {
    const runs = this.runsBySource.get(sourceKey(source)) ?? [];
    let low = 0;
    let high = runs.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (runs[middle]!.start <= start) low = middle;
      else high = middle - 1;
    }
    const run = runs[low];
    if (!run || start < run.start || start >= run.end)
      throw new Error(`squashfs writer: no planned data at ${start} of ${source.file}`);
    return run.target + (start - run.start);
  }

  /** The new start of a file's first block (files with no stored bytes point at the data end). */
  blocksStart(file: FileNode): number {
    const length = storedLength(file.data.blockSizes);
    return length === 0 ? this.end : this.translate(file.data.source, file.data.blocksStart);
  }

  fragmentIndexOf(fragment: StoredFragment): number {
    const index = this.fragmentIndex.get(fragmentKey(fragment));
    if (index === undefined) throw new Error('squashfs writer: fragment not planned');
    return index;
  }

  /** Total bytes copied from source images. */
  get copiedBytes(): number {
    return this.runs.reduce((sum, run) => sum + run.end - run.start, 0);
  }

  /**
   * Copies every run into OUT (open at OUTPATH): by COPIER where one is given and it can
   * (copyInKernel), else through this process's buffers.
   */
  async copyInto(
    out: FileHandle,
    outPath: string,
    options: { copier?: KernelCopier; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { copier, signal } = options;
    if (copier && (await this.copyInKernel(copier, outPath, signal))) return;
    signal?.throwIfAborted();
    await this.copyThroughBuffers(out);
  }

  /**
   * Every run copied by copy_file_range: a 2 GB layer took half the time of the buffered
   * copy here, and none of its CPU, which the md5 of the new layer needs. False where the copier
   * fails (a missing program, or EXDEV: the kernel will not copy across file systems).
   */
  private async copyInKernel(copier: KernelCopier, outPath: string, signal?: AbortSignal): Promise<boolean> {
    const files = [...new Set(this.runs.map((run) => run.source.file))];
    const handles: FileHandle[] = [];
    try {
      for (const file of files) handles.push(await open(file, 'r'));
      const sizes = await Promise.all(handles.map(async (handle) => (await handle.stat()).size));
      const copies = this.runs.map((run) => {
        const source = files.indexOf(run.source.file);
        const from = run.source.offset + run.start;
        const length = run.end - run.start;
        if (from + length > (sizes[source] ?? 0))
          throw new Error(`squashfs writer: ${run.source.file} ends at ${sizes[source]}`);
        return { source, from, to: run.target, length };
      });
      const fds = handles.map((handle) => handle.fd);
      return await copier(outPath, fds, copies, signal).then(
        () => true,
        (error: unknown) => {
          if (signal?.aborted) throw error;
          return false;
        },
      );
    } finally {
      for (const handle of handles) await handle.close();
    }
  }

  /**
   * Copies every run with large positioned reads and writes (not block by block), the next chunk
   * read while the one before is written: a 2 GB layer is read from disk and written to the page
   * cache at once instead of in turn.
   */
  private async copyThroughBuffers(out: FileHandle, chunkSize = 8 << 20): Promise<void> {
    const handles = new Map<string, FileHandle>();
    const buffers = [Buffer.alloc(chunkSize), Buffer.alloc(chunkSize)];
    let pending: Promise<unknown> = Promise.resolve();
    let turn = 0;
    try {
      for (const run of this.runs) {
        const input = handles.get(run.source.file) ?? (await open(run.source.file, 'r'));
        handles.set(run.source.file, input);
        for (let done = 0; done < run.end - run.start; turn ^= 1) {
          const buffer = buffers[turn] as Buffer;
          const want = Math.min(chunkSize, run.end - run.start - done);
          const at = run.source.offset + run.start + done;
          const { bytesRead } = await input.read(buffer, 0, want, at);
          if (bytesRead !== want)
            throw new Error(`squashfs writer: ${run.source.file} ends at ${at + bytesRead}`);
          await pending; // the other buffer's write: it must be done before that buffer is read into again
          pending = out.write(buffer, 0, want, run.target + done);
          done += want;
        }
      }
      await pending;
    } finally {
      await pending.catch(() => undefined);
      for (const handle of handles.values()) await handle.close();
    }
  }

  private placeFragments(files: readonly FileNode[]): void {
    const found = new Map<string, { target: number; sizeWord: number }>();
    for (const file of files) {
      const fragment = file.data.fragment;
      if (!fragment || found.has(fragmentKey(fragment))) continue;
      found.set(fragmentKey(fragment), {
        target: this.translate(fragment.source, fragment.start),
        sizeWord: fragment.sizeWord,
      });
    }
    const ordered = [...found].sort((a, b) => a[1].target - b[1].target);
    for (const [key, placed] of ordered) {
      this.fragmentIndex.set(key, this.fragments.length);
      this.fragments.push({ start: placed.target, sizeWord: placed.sizeWord });
    }
  }
}

function sourceKey(source: SquashfsSource): string {
  return `${source.offset}:${source.file}`;
}

function fragmentKey(fragment: StoredFragment): string {
  return `${sourceKey(fragment.source)}@${fragment.start}`;
}

export function storedLength(blockSizes: readonly number[]): number {
  return blockSizes.reduce((sum, word) => sum + (word & ~DATA_UNCOMPRESSED), 0);
}

function mergeSpans(spans: [number, number][]): [number, number][] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}
