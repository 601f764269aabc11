import { inflateSync } from 'node:zlib';
import { lzma, xz } from '@napi-rs/lzma';
import { decompress as zstdDecompress } from 'fzstd';
import { FormatError } from '../errors.ts';
import { decodeLz4Block } from './lz4.ts';
import type { SquashfsCompressor } from './model.ts';

/**
 * Decompresses one squashfs block (data, fragment or metadata) that the compressor COMPRESSOR
 * wrote, as squashfs-tools' *_wrapper.c write it: a zlib stream (gzip), an .xz stream (xz), an
 * LZMA-alone stream (lzma), a zstd frame (zstd), a raw LZ4 block (lz4). MAXSIZE bounds the output.
 */
export function decompressBlock(
  compressor: SquashfsCompressor,
  bytes: Uint8Array,
  maxSize: number,
  what: string,
): Uint8Array {
  let output: Uint8Array;
  try {
    output = decompressWith(compressor, bytes, maxSize);
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(
      `squashfs ${what} does not decompress (${compressor}): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (output.length > maxSize) {
    throw new FormatError(
      `squashfs ${what} is corrupt: decompresses to ${output.length} bytes, more than ${maxSize}`,
    );
  }
  return output;
}

function decompressWith(compressor: SquashfsCompressor, bytes: Uint8Array, maxSize: number): Uint8Array {
  switch (compressor) {
    case 'gzip':
      return inflateSync(bytes, { maxOutputLength: maxSize });
    case 'xz':
      return xz.decompressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    case 'lzma':
      return lzma.decompressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    case 'zstd':
      return zstdDecompress(bytes);
    case 'lz4':
      return decodeLz4Block(bytes, maxSize);
    case 'lzo':
      throw new FormatError('squashfs images compressed with lzo are not supported', {
        hint: 'repack the layer with gzip, xz, lzma, zstd or lz4 (mksquashfs -comp)',
      });
  }
}
