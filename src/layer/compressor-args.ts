import type { SquashfsCompressor } from '../squashfs/model.ts';

const XZ_FILTERS = ['x86', 'powerpc', 'ia64', 'arm', 'armthumb', 'sparc'];
const GZIP_STRATEGIES = ['default', 'filtered', 'huffman_only', 'run_length_encoded', 'fixed'];

/**
 * The mksquashfs -X options that reproduce an image's compressor options block (squashfs-tools
 * gzip_wrapper.h, xz_wrapper.h, zstd_wrapper.h, lz4_wrapper.h), so files packed now are
 * compressed as the image's other blocks were and its options block stays true for all of them.
 * Null when the block is not understood (the caller then compares the blocks and refuses).
 */
export function compressorArgsFor(
  compressor: SquashfsCompressor,
  options: Uint8Array | null,
): string[] | null {
  if (!options) return [];
  const view = Buffer.from(options);
  if (compressor === 'xz' && view.length >= 8) {
    const filters = XZ_FILTERS.filter((_, bit) => view.readUInt32LE(4) & (1 << bit));
    return [
      '-Xdict-size',
      String(view.readUInt32LE(0)),
      ...(filters.length ? ['-Xbcj', filters.join(',')] : []),
    ];
  }
  if (compressor === 'gzip' && view.length >= 8) {
    const strategies = GZIP_STRATEGIES.filter((_, bit) => view.readUInt16LE(6) & (1 << bit));
    const named = strategies.filter((name) => name !== 'default');
    return [
      '-Xcompression-level',
      String(view.readUInt32LE(0)),
      '-Xwindow-size',
      String(view.readUInt16LE(4)),
      ...(named.length ? ['-Xstrategy', named.join(',')] : []),
    ];
  }
  if (compressor === 'zstd' && view.length >= 4) return ['-Xcompression-level', String(view.readUInt32LE(0))];
  if (compressor === 'lz4' && view.length >= 8) return view.readUInt32LE(4) & 1 ? ['-Xhc'] : [];
  return null;
}
