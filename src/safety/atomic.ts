import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';

export interface PendingOutput extends AsyncDisposable {
  /** Where the producer writes; same directory as the final path so rename is atomic. */
  tempPath: string;
  /** fsync + rename + fsync of the directory: the output appears only complete. */
  commit(): Promise<void>;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reserves FINALPATH for a new artifact; refuses to replace an existing one unless FORCE. */
export async function prepareOutput(finalPath: string, options: { force: boolean }): Promise<PendingOutput> {
  const existing = await stat(finalPath).catch(() => undefined);
  if (existing && !options.force) {
    throw new InputError(`output ${finalPath} already exists`, { hint: 'pass --force to replace it' });
  }
  if (existing?.isDirectory()) throw new InputError(`output ${finalPath} is a directory`);
  const tempPath = join(dirname(finalPath), `.${basename(finalPath)}.isoforge-tmp-${process.pid}`);
  let committed = false;
  return {
    tempPath,
    async commit() {
      await fsyncPath(tempPath);
      await rename(tempPath, finalPath);
      await fsyncPath(dirname(finalPath));
      committed = true;
    },
    async [Symbol.asyncDispose]() {
      if (!committed) await rm(tempPath, { force: true });
    },
  };
}
