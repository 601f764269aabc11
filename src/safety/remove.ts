import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { SafetyError } from '../errors.ts';
import { isAtOrBelow, mountsAtOrBelow, readMountPoints } from './mountinfo.ts';

/** What a removal deleted and what it refused to enter. */
export interface RemoveReport {
  removedEntries: number;
  /** Directories left in place because they are on another file system or are mount points. */
  skipped: string[];
}

/**
 * Deletes a work tree the safe way: never through a live mount (the `rm -rf squashfs-root`
 * accident that deletes the host's /dev), never outside WITHIN, never through a symlink, never
 * across file systems. PATH must be strictly inside WITHIN. Throws SafetyError naming what it refused.
 */
export async function removeTree(path: string, options: { within: string }): Promise<void> {
  const report = await removeTreeReporting(path, options);
  if (report.skipped.length) {
    throw new SafetyError(
      `left ${report.skipped.length} director${report.skipped.length === 1 ? 'y' : 'ies'} in place because they are on ` +
        `another file system: ${report.skipped.join(', ')}`,
      { hint: 'unmount them (`isoforge clean`) and delete again' },
    );
  }
}

/** removeTree that returns what it deleted and skipped instead of throwing for skipped directories. */
export async function removeTreeReporting(path: string, options: { within: string }): Promise<RemoveReport> {
  const checked = await checkRemovable(path, options);
  if (!checked) return { removedEntries: 0, skipped: [] };
  if (!checked.info.isDirectory()) {
    await unlink(checked.target);
    return { removedEntries: 1, skipped: [] };
  }
  const mountPoints = new Set(await readMountPoints());
  return removeOnDevice(checked.target, { device: checked.info.dev, mountPoints });
}

/**
 * The checks before a deletion: PATH resolved strictly inside WITHIN (its last component not
 * followed) and, for a folder, nothing mounted at or below it (/proc/self/mountinfo). Undefined
 * when there is nothing to delete.
 */
export async function checkRemovable(
  path: string,
  options: { within: string },
): Promise<{ target: string; info: Stats } | undefined> {
  const target = await resolveForRemoval(path, options.within);
  const info = target === undefined ? undefined : await lstat(target).catch(() => undefined);
  if (target === undefined || !info) return undefined;
  const mounted = info.isDirectory() ? await mountsAtOrBelow(target) : [];
  if (mounted.length) {
    throw new SafetyError(
      `refusing to delete ${target}: still mounted at or below it: ${mounted.join(', ')}`,
      {
        hint: 'run `isoforge clean` to undo leftover mounts first',
      },
    );
  }
  return { target, info };
}

// The parent is resolved (it may legitimately be reached through a symlink); the last component is
// not, so a symlink named PATH is removed itself, never followed.
async function resolveForRemoval(path: string, within: string): Promise<string | undefined> {
  const root = await realpath(within).catch((error: unknown) => {
    throw new SafetyError(
      `refusing to delete ${path}: the folder it must be inside (${within}) does not exist`,
      {
        cause: error,
      },
    );
  });
  if (root === sep) throw new SafetyError(`refusing to delete ${path}: "/" is not a work directory`);
  const name = basename(path);
  if (name === '..' || name === '.' || name === '') {
    throw new SafetyError(`refusing to delete ${path}: name the folder itself, not "${name}"`);
  }
  const parent = await realpath(dirname(path)).catch(() => undefined);
  if (!parent) return undefined; // its folder does not exist: there is nothing to delete
  const target = join(parent, name);
  if (target === root) {
    throw new SafetyError(`refusing to delete ${target}: it is the folder deletions must stay inside`);
  }
  if (!isAtOrBelow(target, root)) {
    throw new SafetyError(`refusing to delete ${target}: it is outside ${root}`, {
      hint: 'isoforge only deletes inside its own work directory',
    });
  }
  return target;
}

const UNLINK_BATCH = 64;

/** Where a walk may delete: only on DEVICE (the root's st_dev) and never inside MOUNTPOINTS. */
export interface DeviceGuard {
  device: number;
  mountPoints: ReadonlySet<string>;
}

interface WalkState extends DeviceGuard {
  report: RemoveReport;
}

/**
 * The walk behind removeTree, without its checks: deletes DIR depth first, leaving in place (and
 * reporting) every directory on another device or listed as a mount point. Exported for tests.
 */
export async function removeOnDevice(dir: string, guard: DeviceGuard): Promise<RemoveReport> {
  const report: RemoveReport = { removedEntries: 0, skipped: [] };
  await removeDirectory(dir, { ...guard, report });
  return report;
}

// Depth-first, children before the directory; a directory on another device (or a mount point of
// the same device, such as a bind mount) is skipped with everything above it left in place.
async function removeDirectory(dir: string, state: WalkState): Promise<boolean> {
  const info = await lstat(dir);
  if (!info.isDirectory() || info.dev !== state.device || state.mountPoints.has(dir)) {
    state.report.skipped.push(dir);
    return false;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter((entry) => !entry.isDirectory()).map((entry) => join(dir, entry.name));
  // Files (and symlinks, which unlink removes without following) in parallel batches: a rootfs has 100k.
  for (let start = 0; start < files.length; start += UNLINK_BATCH) {
    await Promise.all(files.slice(start, start + UNLINK_BATCH).map((file) => unlink(file)));
  }
  state.report.removedEntries += files.length;
  let complete = true;
  for (const entry of entries.filter((item) => item.isDirectory())) {
    complete = (await removeDirectory(join(dir, entry.name), state)) && complete;
  }
  if (!complete) return false;
  await rmdir(dir);
  state.report.removedEntries++;
  return true;
}
