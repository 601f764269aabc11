import { runCommand } from './exec.ts';

/** xz-utils adapter: apt indexes compressed as .xz (node's zlib has no xz). */

/** The decompressed text of FILE.xz. */
export async function runXzDecompress(file: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await runCommand(['xz', '--decompress', '--stdout', file], { signal });
  return stdout;
}

/** Compresses FILE into FILE.xz, keeping FILE; returns the .xz file's path. */
export async function runXzCompress(file: string, signal?: AbortSignal): Promise<string> {
  await runCommand(['xz', '--keep', '--force', '-6', file], { signal });
  return `${file}.xz`;
}
