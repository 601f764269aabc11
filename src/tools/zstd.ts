import { runCommand } from './exec.ts';

/**
 * Decompresses INPUT into OUTPUT with zstd, which also reads gzip, xz and lzma streams: the
 * compressed part of an initrd, whatever mkinitramfs' COMPRESS= was. Files, not pipes: the
 * exec wrapper's stdout is text.
 */
export async function runZstdDecompress(input: string, output: string, signal?: AbortSignal): Promise<void> {
  await runCommand(['zstd', '--decompress', '--quiet', '--force', input, '-o', output], { signal });
}
