import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { SafetyError } from '../errors.ts';
import { isAtOrBelow } from './mountinfo.ts';

/** Linux gives up after 40 symlinks in one lookup (ELOOP); so does isoforge. */
const MAX_SYMLINK_HOPS = 40;

/**
 * Where PATH (as the image sees it) really is on the host, resolving symlinks one component at a time
 * as if ROOT were "/": an absolute link restarts at ROOT, ".." stops at ROOT. A rootfs whose /etc is a
 * symlink to /host-etc then maps to ROOT/host-etc, never the host's. Missing components are kept as
 * written (a file about to be created). FOLLOWFINAL=false leaves a final symlink itself (to replace it).
 */
export async function resolveInsideRoot(
  root: string,
  path: string,
  options: { followFinal?: boolean } = {},
): Promise<string> {
  const base = await realpath(root);
  const resolved: string[] = [];
  const pending = splitComponents(path);
  let hops = 0;
  while (pending.length) {
    const name = pending.shift() ?? '';
    if (name === '.') continue;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const hostPath = join(base, ...resolved, name);
    const info = await lstat(hostPath).catch(() => undefined);
    const isLast = pending.length === 0;
    if (!info?.isSymbolicLink() || (isLast && options.followFinal === false)) {
      resolved.push(name);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) {
      throw new SafetyError(`too many symlinks resolving ${path} inside ${base}`, {
        hint: 'check the image',
      });
    }
    const target = await readlink(hostPath);
    if (isAbsolute(target)) resolved.length = 0;
    pending.unshift(...splitComponents(target));
  }
  const result = join(base, ...resolved);
  if (!isAtOrBelow(result, base)) throw new SafetyError(`${path} escapes the root file system ${base}`);
  return result;
}

function splitComponents(path: string): string[] {
  return path.split(sep).filter((part) => part !== '');
}

/**
 * The file a recipe names, confined to the recipe's folder: a relative path (also through ".." or a
 * symlink) must stay inside RECIPEDIR; an absolute path is the user's explicit choice and is kept.
 */
export async function resolveRecipePath(recipeDir: string, path: string): Promise<string> {
  if (isAbsolute(path)) return resolve(path);
  const folder = await realpath(recipeDir);
  const lexical = resolve(folder, path);
  const real = await realpathOfExisting(lexical);
  if (!isAtOrBelow(lexical, folder) || !isAtOrBelow(real, folder)) {
    throw new SafetyError(`the recipe path ${path} leads out of the recipe folder ${folder}`, {
      hint: `keep the files a recipe uses inside ${folder}, or name them with an absolute path`,
    });
  }
  return real;
}

// realpath of the deepest part of PATH that exists, with the missing rest appended as written.
async function realpathOfExisting(path: string): Promise<string> {
  const real = await realpath(path).catch(() => undefined);
  if (real !== undefined) return real;
  const parent = dirname(path);
  if (parent === path) return path;
  return join(await realpathOfExisting(parent), basename(path));
}
