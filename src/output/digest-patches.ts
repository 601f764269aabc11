import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';

/**
 * A digest a checksum file is written without: the new layer's md5 is still being taken (md5 runs
 * at about 700 MB/s here, slower than the layer is written). The checksum file gets a placeholder
 * of the digest's length, xorriso writes the ISO meanwhile, and the digest is written over the
 * placeholder in the finished ISO and in the local copy: same length, so nothing moves.
 */
export interface DigestPatch {
  /** The checksum file, on the medium and in the work dir. */
  isoPath: string;
  localPath: string;
  /** Byte offsets of the placeholder in the checksum file. */
  offsets: number[];
  placeholder: string;
  digest: Promise<string>;
}

/** Random hex of a digest's length: no other line of a checksum file holds it. */
export function makePlaceholder(hexLength: number): string {
  return randomBytes(Math.ceil(hexLength / 2))
    .toString('hex')
    .slice(0, hexLength);
}

/** Where PLACEHOLDER stands in TEXT, as byte offsets. */
export function placeholderOffsets(text: string, placeholder: string): number[] {
  const offsets: number[] = [];
  for (let at = text.indexOf(placeholder); at >= 0; at = text.indexOf(placeholder, at + 1))
    offsets.push(Buffer.byteLength(text.slice(0, at)));
  return offsets;
}

/**
 * Writes each patch's digest over its placeholder in ISO (where the written tree has the checksum
 * file) and in its local copy. A placeholder that is not where it was put is an error: nothing
 * else is ever written over.
 */
export async function applyDigestPatches(iso: string, patches: readonly DigestPatch[]): Promise<void> {
  if (!patches.length) return;
  await using image = await IsoImage.open(iso);
  for (const patch of patches) {
    const entry = await image.stat(patch.isoPath);
    if (!entry || entry.isDirectory) throw new Error(`${patch.isoPath} is not in the written ISO`);
    const digest = Buffer.from(await patch.digest);
    if (digest.length !== patch.placeholder.length)
      throw new Error(`the digest for ${patch.isoPath} is not ${patch.placeholder.length} characters long`);
    for (const offset of patch.offsets) {
      await overwrite(iso, entry.extentLba * SECTOR + offset, patch.placeholder, digest);
      await overwrite(patch.localPath, offset, patch.placeholder, digest);
    }
  }
}

async function overwrite(file: string, at: number, expected: string, bytes: Buffer): Promise<void> {
  await using handle = await open(file, 'r+');
  const found = Buffer.alloc(expected.length);
  await handle.read(found, 0, found.length, at);
  if (found.toString() !== expected) throw new Error(`${file}: no digest placeholder at byte ${at}`);
  await handle.write(bytes, 0, bytes.length, at);
}
