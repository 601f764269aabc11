import { open, stat } from 'node:fs/promises';
import { InputError } from '../errors.ts';

/** Checks before any work that PATH names a readable regular file, with one clear message if not. */
export async function checkReadableFile(path: string, what: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError(`${what} ${path} does not exist`, { hint: 'check the path' });
  if (info.isDirectory()) throw new InputError(`${what} ${path} is a directory, not a file`);
  if (!info.isFile() && !info.isBlockDevice()) throw new InputError(`${what} ${path} is not a regular file`);
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw new InputError(`${what} ${path} cannot be read`, { cause: error, hint: 'check its permissions' });
  });
  await handle.close();
}
