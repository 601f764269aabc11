import { FormatError, InputError } from '../errors.ts';
import { decompressBlock } from './decompress.ts';
import type { ImageFile } from './file.ts';
import type { FileNode, SquashfsSource } from './model.ts';
import { DATA_UNCOMPRESSED } from './format.ts';

/** squashfs_fs.h: bit 24 of a data block's size word = stored uncompressed; the low 24 bits = stored size. */
const STORED_SIZE_MASK = DATA_UNCOMPRESSED - 1;
/** readFile holds a whole file in memory: it is for tests and small files, not for 4 GB images. */
const MAX_READ_SIZE = 1 << 30;

/** The stored size of a data or fragment block from its size word (0 for a sparse block). */
export function storedBlockSize(sizeWord: number): number {
  return sizeWord & STORED_SIZE_MASK;
}

/** Reads and decompresses a regular file's blocks and fragment tail; a sparse block (size word 0) reads as zeros. */
export async function readFileData(file: ImageFile, node: FileNode): Promise<Uint8Array> {
  const { source, blocksStart, blockSizes, fragment } = node.data;
  if (node.size > MAX_READ_SIZE) {
    throw new InputError(
      `readFile: the file has ${node.size} bytes, more than the ${MAX_READ_SIZE} it reads into memory`,
    );
  }
  const output = new Uint8Array(node.size);
  let position = blocksStart;
  for (const [i, sizeWord] of blockSizes.entries()) {
    const wanted = Math.min(source.blockSize, node.size - i * source.blockSize);
    const stored = storedBlockSize(sizeWord);
    if (stored === 0) continue;
    const block = await readBlock(file, source, position, sizeWord, `data block ${i}`);
    if (block.length < wanted) {
      throw new FormatError(`squashfs data block ${i} holds ${block.length} bytes, the file needs ${wanted}`);
    }
    output.set(block.subarray(0, wanted), i * source.blockSize);
    position += stored;
  }
  const tailStart = blockSizes.length * source.blockSize;
  if (fragment && tailStart < node.size) {
    const block = await readBlock(file, source, fragment.start, fragment.sizeWord, 'fragment block');
    const tail = block.subarray(fragment.offset, fragment.offset + node.size - tailStart);
    if (tail.length !== node.size - tailStart) {
      throw new FormatError(`squashfs fragment block at ${fragment.start} is shorter than the file's tail`);
    }
    output.set(tail, tailStart);
  }
  return output;
}

async function readBlock(
  file: ImageFile,
  source: SquashfsSource,
  position: number,
  sizeWord: number,
  what: string,
): Promise<Uint8Array> {
  const stored = await file.read(position, storedBlockSize(sizeWord), what);
  return sizeWord & DATA_UNCOMPRESSED
    ? stored
    : decompressBlock(source.compressor, stored, source.blockSize, what);
}
