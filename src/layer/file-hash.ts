import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { GrowingFileHasher } from '../safety/growing-file-hash.ts';
import { hashFileRange } from '../safety/hash-range.ts';
import { log } from '../ui/log.ts';

/** Read size of the worker's stream: 4 MiB chunks, as hashFileRange reads. */
const HASH_READ_BYTES = 4 << 20;

/** Digests started by hashAhead, by algorithm and file, with the file's identity when they started. */
const started = new Map<string, { identity: string; digest: Promise<string> }>();

/**
 * Starts hashing FILE in each of ALGORITHMS now, in worker threads, while the caller goes on with
 * other work (a new layer is hashed while its mounts are undone); hashFile takes the digest if the
 * file is unchanged by then.
 */
export async function hashAhead(file: string, algorithms: readonly string[]): Promise<void> {
  const identity = await fileIdentity(file);
  for (const algorithm of new Set(algorithms)) {
    const digest = hashInWorker(file, algorithm);
    digest.catch(() => undefined); // a failure is hashFile's to report, when it awaits the digest
    started.set(`${algorithm} ${file}`, { identity, digest });
  }
}

/** The digest that tells a written copy of a file from the file: the fastest here (SHA extensions). */
export const IDENTITY_ALGORITHM = 'sha256';

/**
 * Runs WRITE, which writes FILE front to back, while worker threads (one per algorithm, so md5
 * does not hold up the others) hash FILE in each of ALGORITHMS just behind it: a block-reuse
 * layer is hashed as it is written, not read again after. hashFile, digestUnderWay and
 * readKnownDigests then take those digests while the file is unchanged. No other digest is
 * taken: on two cores a sha256 beside the md5 of a 2 GB layer holds the md5 back by seconds.
 */
export async function hashWhileWriting<T>(
  file: string,
  algorithms: readonly string[],
  write: () => Promise<T>,
): Promise<T> {
  if (!algorithms.length) return write();
  const wanted = [...new Set(algorithms)];
  const since = performance.now();
  const hashers = wanted.map((algorithm) => new GrowingFileHasher(file, [{ start: 0 }], [algorithm]));
  let result: T;
  try {
    result = await write();
  } catch (error) {
    await Promise.all(hashers.map((hasher) => hasher.stop()));
    throw error;
  }
  const identity = await fileIdentity(file);
  const size = (await stat(file)).size;
  for (const [index, algorithm] of wanted.entries()) {
    const digest = (hashers[index] as GrowingFileHasher)
      .finish(size)
      // A worker that failed: hashed again here (not through hashFile, which would wait on this very digest).
      .then(
        ([range]) => range?.digests[algorithm] ?? hashFileRange(file, 0, size, algorithm),
        () => hashFileRange(file, 0, size, algorithm),
      );
    digest.then(
      () => log.debug({ file, algorithm, ms: Math.round(performance.now() - since) }, 'hashed as written'),
      () => undefined, // a failure is hashFile's to report, when it awaits the digest
    );
    started.set(`${algorithm} ${file}`, { identity, digest });
  }
  return result;
}

/** The digests of FILE already made or under way (hashAhead, hashWhileWriting) while it is unchanged; none hashed here. */
export async function readKnownDigests(file: string): Promise<Record<string, string>> {
  const identity = await fileIdentity(file).catch(() => undefined);
  const known: Record<string, string> = {};
  for (const [key, entry] of started) {
    const [algorithm, path] = [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1)];
    if (path !== file || entry.identity !== identity) continue;
    const digest = await entry.digest.catch(() => undefined);
    if (digest) known[algorithm] = digest;
  }
  return known;
}

/**
 * The digest of FILE in ALGORITHM that hashAhead or hashWhileWriting started, while FILE is
 * unchanged: given without waiting for it (wrapped, so that it is not awaited here); else undefined.
 */
export async function digestUnderWay(
  file: string,
  algorithm: string,
): Promise<{ digest: Promise<string> } | undefined> {
  const ahead = started.get(`${algorithm} ${file}`);
  const identity = await fileIdentity(file).catch(() => undefined);
  return ahead && ahead.identity === identity ? { digest: ahead.digest } : undefined;
}

/** The digest of the whole FILE: the one hashAhead started if the file has not changed since, else hashed now. */
export async function hashFile(file: string, algorithm = 'sha256'): Promise<string> {
  const key = `${algorithm} ${file}`;
  const ahead = started.get(key);
  if (ahead && ahead.identity === (await fileIdentity(file))) return ahead.digest;
  return hashFileRange(file, 0, (await stat(file)).size, algorithm);
}

// Device, inode, size and nanosecond mtime: any rewrite of the file changes one of them.
/**
 * What tells one version of FILE from another without reading it: device, inode, size and mtime in
 * nanoseconds. The one identity the hash memos and the build cache compare.
 */
export async function fileIdentity(file: string): Promise<string> {
  const info = await stat(file, { bigint: true });
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;
}

// Plain JavaScript, evaluated: the same worker runs from dist/ and from the sources under tsx.
const HASH_WORKER = `
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const hash = createHash(workerData.algorithm);
createReadStream(workerData.file, { highWaterMark: ${HASH_READ_BYTES} })
  .on('data', (chunk) => hash.update(chunk))
  .on('error', (error) => { throw error; })
  .on('end', () => parentPort.postMessage(hash.digest('hex')));
`;

/** The digest of the whole FILE, hashed on another thread: the main one stays free for the build's own work. */
function hashInWorker(file: string, algorithm: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: { file, algorithm } });
    worker.once('message', (digest: string) => resolve(digest));
    worker.once('error', reject);
    // After the digest this settles nothing; before it, the worker died without one.
    worker.once('exit', (code) => reject(new Error(`hashing ${file} stopped (worker exit ${code})`)));
  });
}
