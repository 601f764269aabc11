import { open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import { isProcessAlive } from './processes.ts';
import { hostPid } from './host-proc.ts';

export interface PendingOutput extends AsyncDisposable {
  /** Where the producer writes; same directory as the final path so rename is atomic. */
  tempPath: string;
  /** fsync + rename + fsync of the directory: the output appears only complete. */
  commit(): Promise<void>;
}

/** The temporary name of FINALPATH while PID writes it: hidden, same directory, recognisable. */
export function tempPathFor(finalPath: string, pid = hostPid()): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.isoforge-tmp-${pid}`);
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Starts writing PATH's data to disk and returns at once, so the disk works while later stages
 * (verify, the report) run: commit's fsync then finds little left to write. A failure here is left
 * to that fsync, which reports it.
 */
export function startWriteback(path: string): void {
  fsyncPath(path).catch(() => undefined);
}

/**
 * Reserves FINALPATH for a new artifact so it appears only complete (temp name, fsync, rename):
 * refuses to replace an existing output unless FORCE, and an existing output stays untouched until
 * commit replaces it in one rename. With SIGNAL, commit refuses once the signal is aborted.
 */
export async function prepareOutput(
  finalPath: string,
  options: { force: boolean; signal?: AbortSignal },
): Promise<PendingOutput> {
  const folder = await stat(dirname(finalPath)).catch(() => undefined);
  if (!folder?.isDirectory()) {
    throw new InputError(`the folder of the output ${finalPath} does not exist`, { hint: 'create it first' });
  }
  const existing = await stat(finalPath).catch(() => undefined);
  if (existing?.isDirectory()) throw new InputError(`output ${finalPath} is a directory`);
  if (existing && !options.force) {
    throw new InputError(`output ${finalPath} already exists`, { hint: 'pass --force to replace it' });
  }
  await removeStaleTemps(finalPath);
  const tempPath = tempPathFor(finalPath);
  await rm(tempPath, { force: true });
  let committed = false;
  return {
    tempPath,
    async commit() {
      // An interrupted build must not publish: a signal that lands after the last stage still counts.
      options.signal?.throwIfAborted();
      await fsyncPath(tempPath);
      await rename(tempPath, finalPath);
      await fsyncPath(dirname(finalPath));
      committed = true;
    },
    async [Symbol.asyncDispose]() {
      if (!committed) await rm(tempPath, { force: true, recursive: true });
    },
  };
}

/** Where an output that failed verification is kept: beside FINALPATH, never under its name. */
export function unverifiedPathFor(finalPath: string): string {
  return `${finalPath.replace(/\.iso$/i, '')}.unverified.iso`;
}

/**
 * Keeps a finished but unverified TEMPPATH as KEEPPATH (fsync + rename + fsync of the directory),
 * so a verification failure does not throw away a long build. The temp's dispose then finds nothing.
 */
export async function keepUnverified(tempPath: string, keepPath: string): Promise<string> {
  await fsyncPath(tempPath);
  await rename(tempPath, keepPath);
  await fsyncPath(dirname(keepPath));
  return keepPath;
}

/** Removes temporaries of FINALPATH left by runs that were SIGKILLed (their pid is gone). */
export async function removeStaleTemps(finalPath: string): Promise<string[]> {
  const prefix = `.${basename(finalPath)}.isoforge-tmp-`;
  const removed: string[] = [];
  for (const name of await readdir(dirname(finalPath)).catch(() => [] as string[])) {
    const pid = Number(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !Number.isInteger(pid) || (await isProcessAlive(pid))) continue;
    await rm(join(dirname(finalPath), name), { force: true });
    removed.push(join(dirname(finalPath), name));
  }
  return removed;
}

/**
 * Writes DATA to PATH whole or not at all: into a temporary name in the same folder, then renamed.
 * A SIGKILL mid-write leaves the old file (or none) and a temporary no reader opens.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const draft = join(dirname(path), `.${basename(path)}.${hostPid()}.tmp`);
  await writeFile(draft, data);
  await rename(draft, path);
}
