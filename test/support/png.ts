import { readFile } from 'node:fs/promises';

/** The eight bytes every PNG file starts with (PNG spec, 5.2). */
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk, which must come first (PNG spec, 11.2.2). */
export function parsePngSize(bytes: Buffer): { width: number; height: number } {
  if (!bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: the signature differs');
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: no IHDR chunk first');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** readFile + parsePngSize, with the file's size. */
export async function readPngSize(path: string): Promise<{ width: number; height: number; bytes: number }> {
  const bytes = await readFile(path);
  return { ...parsePngSize(bytes), bytes: bytes.length };
}
