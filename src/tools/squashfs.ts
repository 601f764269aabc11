import type { SquashfsCompressor } from '../iso/squashfs-layout.ts';
import { progressListener, runCommand } from './exec.ts';

/** squashfs-tools adapter: pack, unpack and describe layers. */
export interface SquashfsCompression {
  algorithm: SquashfsCompressor;
  level?: number;
  blockSize?: number;
  /** Compressor-specific options as mksquashfs spells them (-Xdict-size 131072, -Xbcj x86). */
  compressorArgs?: readonly string[];
}

export interface SquashfsProgress {
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  processors?: number;
  /** Byte offset of the squashfs inside FILE (a layer read in place from an ISO). */
  offset?: number;
  /** mksquashfs: a file of absolute paths to leave out (-ef; a path excludes its inode, all its hard links). */
  excludeFile?: string;
  /**
   * SOURCE_DATE_EPOCH for mksquashfs: the superblock's creation time, and every file time after
   * it clamped to it (squashfs-tools 4.5). Clamped rather than -all-time flattened: the original
   * files of the layer keep their own (older) times, only what the build touched moves.
   */
  sourceDateEpoch?: number;
}

/** The percentage at the end of a squashfs-tools progress bar line, else null. */
function parseSquashfsProgress(line: string): number | null {
  const match = /\s(\d{1,3})%\s*$/.exec(line);
  return match ? Number(match[1]) : null;
}

/** The mksquashfs command that packs DIR into FILE (also printed by --dry-run). */
export function mksquashfsArgv(
  dir: string,
  file: string,
  compression: SquashfsCompression,
  options: { excludeFile?: string } = {},
): string[] {
  const args = ['mksquashfs', dir, file, '-noappend', '-xattrs', '-comp', compression.algorithm];
  if (compression.blockSize) args.push('-b', String(compression.blockSize));
  if (compression.level !== undefined && compression.algorithm !== 'lz4') {
    args.push('-Xcompression-level', String(compression.level));
  }
  args.push(...(compression.compressorArgs ?? []));
  if (options.excludeFile) args.push('-ef', options.excludeFile);
  return args;
}

/** The unsquashfs command that unpacks FILE (from byte OFFSET) into DIR (also printed by --dry-run). */
export function unsquashfsArgv(file: string, dir: string, offset?: number): string[] {
  return ['unsquashfs', '-d', dir, '-xattrs', ...(offset ? ['-o', String(offset)] : []), file];
}

/** Packs DIR into FILE, keeping xattrs (overlay whiteouts and opaque dirs live there). */
export async function runMksquashfs(
  dir: string,
  file: string,
  compression: SquashfsCompression,
  options: SquashfsProgress = {},
): Promise<void> {
  const args = mksquashfsArgv(dir, file, compression, { excludeFile: options.excludeFile });
  args.push('-processors', String(options.processors ?? (await availableProcessors())));
  await runCommand(args, {
    signal: options.signal,
    onLine: progressListener(parseSquashfsProgress, options.onProgress),
    detached: true,
    ...(options.sourceDateEpoch === undefined
      ? {}
      : { env: { SOURCE_DATE_EPOCH: String(options.sourceDateEpoch) } }),
  });
}

/** Unpacks FILE into DIR (which must not exist), keeping xattrs. */
export async function runUnsquashfs(
  file: string,
  dir: string,
  options: SquashfsProgress = {},
): Promise<void> {
  const argv = unsquashfsArgv(file, dir, options.offset);
  if (options.processors) argv.splice(-1, 0, '-processors', String(options.processors));
  await runCommand(argv, {
    signal: options.signal,
    onLine: progressListener(parseSquashfsProgress, options.onProgress),
    detached: true,
  });
}

export interface SquashfsSummary {
  compression: string;
  blockSize: number;
  inodes: number;
  bytesUsed: number;
}

/** `unsquashfs -s`: also the check that a squashfs file is readable at all. */
export async function runUnsquashfsStat(
  file: string,
  options: { offset?: number; signal?: AbortSignal } = {},
): Promise<SquashfsSummary> {
  const offset = options.offset ? ['-o', String(options.offset)] : [];
  const { stdout } = await runCommand(['unsquashfs', '-s', ...offset, file], { signal: options.signal });
  const pick = (pattern: RegExp) => pattern.exec(stdout)?.[1] ?? '';
  return {
    compression: pick(/Compression (\w+)/),
    blockSize: Number(pick(/Block size (\d+)/)),
    inodes: Number(pick(/Number of inodes (\d+)/)),
    bytesUsed: Number(pick(/Filesystem size (\d+) bytes/)),
  };
}

async function availableProcessors(): Promise<number> {
  const { availableParallelism } = await import('node:os');
  return availableParallelism();
}

/** Which of PATHS (absolute, inside the image) are files in the squashfs at OFFSET of FILE: one cheap directory lookup. */
export async function runUnsquashfsFindFiles(
  file: string,
  paths: readonly string[],
  options: { offset?: number; signal?: AbortSignal } = {},
): Promise<string[]> {
  if (!paths.length) return [];
  const offset = options.offset ? ['-o', String(options.offset)] : [];
  const relative = paths.map((path) => path.replace(/^\/+/, ''));
  const { stdout } = await runCommand(['unsquashfs', '-lc', ...offset, file, ...relative], {
    signal: options.signal,
  });
  // -lc lists files (not directories) as squashfs-root/PATH; a directory argument lists what is below it.
  const listed = new Set(stdout.split('\n').map((line) => line.trimEnd().replace(/^squashfs-root/, '')));
  return paths.filter((path) => listed.has(`/${path.replace(/^\/+/, '')}`));
}
