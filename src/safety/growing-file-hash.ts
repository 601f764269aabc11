import { Worker } from 'node:worker_threads';

/** A byte range to hash; without LENGTH, up to the file's final size; in ALGORITHMS, else the hasher's. */
export interface HashedRange {
  start: number;
  length?: number;
  algorithms?: readonly string[];
}

/** A range's digests, hex, by algorithm. */
export interface RangeDigests {
  start: number;
  length: number;
  digests: Record<string, string>;
}

// Plain JavaScript, evaluated: the same worker runs from dist/ and from the sources under tsx. It
// reads behind the writer (the bytes come from the page cache) and sleeps on SHARED between reads:
// SHARED[0] is the final size + 1 once the writer is done (0 until then), or -1 to stop.
const WORKER = `
const { createHash } = require('node:crypto');
const { openSync, fstatSync, readSync, closeSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { file, ranges, algorithms, shared } = workerData;
const state = new BigInt64Array(shared);
const CHUNK = 4 << 20;
const buffer = Buffer.alloc(CHUNK);
const finalSize = () => { const v = Atomics.load(state, 0); if (v < 0n) throw new Error('stopped'); return v > 0n ? Number(v - 1n) : null; };
const pause = () => Atomics.wait(state, 0, 0n, 20);
let fd = null;
while (fd === null) {
  try { fd = openSync(file, 'r'); } catch (error) {
    if (error.code !== 'ENOENT' || finalSize() !== null) throw error;
    pause();
  }
}
const results = [];
for (const range of ranges) {
  const names = range.algorithms || algorithms;
  const hashes = names.map((a) => createHash(a));
  let end = range.length === null ? null : range.start + range.length;
  let at = range.start;
  for (;;) {
    const final = finalSize();
    if (end === null && final !== null) end = final;
    if (end !== null && at >= end) break;
    const size = fstatSync(fd).size;
    const available = Math.min(size, end === null ? size : end) - at;
    if (available <= 0) {
      if (final !== null) throw new Error(file + ' ends at ' + size + ', before byte ' + end);
      pause();
      continue;
    }
    const read = readSync(fd, buffer, 0, Math.min(CHUNK, available), at);
    for (const hash of hashes) hash.update(buffer.subarray(0, read));
    at += read;
  }
  results.push({ start: range.start, length: at - range.start, digests: Object.fromEntries(names.map((a, i) => [a, hashes[i].digest('hex')])) });
}
closeSync(fd);
parentPort.postMessage(results);
`;

/**
 * Hashes RANGES of FILE while another process or stream still writes it front to back, on a
 * worker thread that reads just behind the writer: the bytes are hashed as they land, from the page
 * cache, and nothing reads the file again afterwards. `finish` gives the final size once the writer
 * is done and returns the digests; a range past that size is an error.
 */
export class GrowingFileHasher {
  private readonly state = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly result: Promise<RangeDigests[]>;
  private readonly worker: Worker;

  constructor(file: string, ranges: readonly HashedRange[], algorithms: readonly string[]) {
    const workerData = {
      file,
      ranges: [...ranges]
        .sort((a, b) => a.start - b.start)
        .map((r) => ({ start: r.start, length: r.length ?? null, algorithms: r.algorithms ?? null })),
      algorithms: [...algorithms],
      shared: this.state.buffer,
    };
    this.worker = new Worker(WORKER, { eval: true, workerData });
    this.result = new Promise((resolve, reject) => {
      this.worker.once('message', (digests: RangeDigests[]) => resolve(digests));
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`hashing ${file} stopped (worker exit ${code})`)));
    });
    this.result.catch(() => undefined); // finish() reports it
  }

  /** The writer is done and FILE is FINALSIZE bytes: the digests once the worker has read up to there. */
  finish(finalSize: number): Promise<RangeDigests[]> {
    Atomics.store(this.state, 0, BigInt(finalSize) + 1n);
    Atomics.notify(this.state, 0);
    return this.result;
  }

  /** Stops the worker (the write failed): its digests are never wanted. */
  async stop(): Promise<void> {
    Atomics.store(this.state, 0, -1n);
    Atomics.notify(this.state, 0);
    await this.worker.terminate();
  }
}
