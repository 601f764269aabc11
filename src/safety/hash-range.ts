import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { FormatError } from '../errors.ts';

/** 4 MiB reads hash a 250 MB layer in about half the time of 64 KiB ones. */
const CHUNK_BYTES = 4 << 20;

/** Something that reads LENGTH bytes from byte OFFSET: an open IsoImage, or a file handle. */
export interface RangeReader {
  readRange(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * The hex digest of LENGTH bytes of SOURCE (a path, or an open reader) from START: the one range
 * hasher of the layer cache key and the medium's checksum check. SIGNAL stops it between chunks.
 */
export async function hashFileRange(
  source: string | RangeReader,
  start: number,
  length: number,
  algorithm = 'sha256',
  signal?: AbortSignal,
): Promise<string> {
  if (typeof source !== 'string') return hashChunks(source, start, length, algorithm, signal);
  const handle = await open(source, 'r');
  try {
    return await hashChunks(fileReader(handle, source), start, length, algorithm, signal);
  } finally {
    await handle.close();
  }
}

/**
 * Each chunk is read while the one before is hashed: reading and hashing in turn left the hash
 * waiting on every read (about 0.6 s against 0.45 s for the 551 files of the live-build fixture).
 */
async function hashChunks(
  reader: RangeReader,
  start: number,
  length: number,
  algorithm: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const hash = createHash(algorithm);
  const readAt = (done: number) => reader.readRange(start + done, Math.min(CHUNK_BYTES, length - done));
  let next = length > 0 ? readAt(0) : undefined;
  for (let done = 0; next;) {
    const chunk = await next;
    signal?.throwIfAborted();
    done += chunk.length;
    next = done < length ? readAt(done) : undefined;
    hash.update(chunk);
  }
  return hash.digest('hex');
}

/** Reads whole ranges of an open file; a range past its end is an error, not a shorter digest. */
function fileReader(handle: FileHandle, path: string): RangeReader {
  return {
    async readRange(offset, length) {
      const buffer = Buffer.allocUnsafe(length);
      for (let filled = 0; filled < length;) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) {
          throw new FormatError(`${path} is truncated: needs bytes ${offset}..${offset + length}`);
        }
        filled += bytesRead;
      }
      return buffer;
    },
  };
}
