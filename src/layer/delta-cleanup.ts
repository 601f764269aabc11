import { lstat, readdir, rm, rmdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { SquashfsNode } from '../squashfs/model.ts';
import { runFindEntries } from '../tools/coreutils.ts';
import { RESTORED_FILES, TRANSIENT } from './cleanup.ts';
import { hasOpaqueMark, isCopiedUpOnly, LOCK_FILES } from './copy-up.ts';

/** What the layer showed before the steps: the layer alone, and the layer over its ancestors. */
export interface BeforeSteps {
  inLayer: (path: string) => SquashfsNode | null;
  inStack: (path: string) => SquashfsNode | null;
}

/**
 * The clean-up of a delta upper dir (openDeltaWorkspace), with nothing mounted: whatever is taken
 * out of it shows the layer as it was. RESTORED_FILES and lock files the session only touched go;
 * traces of the build (TRANSIENT) the layer did not have go; then the folders overlayfs only copied
 * up and that are empty now. Returns the removed traces and folders (the restored files are no
 * change, so not listed).
 */
export async function cleanDeltaUpper(upper: string, before: BeforeSteps): Promise<string[]> {
  for (const path of RESTORED_FILES) await rm(join(upper, path), { force: true });
  await removeTouchedLocks(upper, before);
  const entries = (await runFindEntries(upper, [])).map((e) => ({
    path: e.path,
    isDirectory: e.type === 'd',
  }));
  const cleaned: string[] = [];
  for (const { path, isDirectory } of entries) {
    if (isDirectory || before.inLayer(path) || !TRANSIENT.some((pattern) => pattern.test(path))) continue;
    await rm(join(upper, path), { force: true });
    cleaned.push(path);
  }
  const folders = entries.filter((e) => e.isDirectory).map((e) => e.path);
  const kept: string[] = [];
  for (const path of folders.sort().reverse()) {
    if (await isCopiedUpOnly(upper, path, before.inStack(path))) {
      await rmdir(join(upper, path));
      cleaned.push(path);
    } else kept.push(path);
  }
  await restorePassedThroughTimes(upper, ['/', ...kept], before);
  return cleaned.sort();
}

/**
 * A folder the steps only passed through keeps its time: overlayfs updates an upper folder's mtime
 * when it copies a child up into it (the root, when /etc is copied up), though no name was added
 * or removed there. A folder whose names in the upper dir all existed before, with no whiteout and
 * no opaque mark, gets the time it had; any other folder changed, and keeps its new time.
 */
async function restorePassedThroughTimes(
  upper: string,
  folders: readonly string[],
  before: BeforeSteps,
): Promise<void> {
  for (const path of folders) {
    const old = before.inStack(path);
    const dir = join(upper, path);
    if (old?.type !== 'dir') continue;
    const names = await readdir(dir, { withFileTypes: true });
    const sameNames = names.every(
      (entry) => !entry.isCharacterDevice() && before.inStack(join(path, entry.name)) !== null,
    );
    if (sameNames && !(await hasOpaqueMark(dir))) await utimes(dir, old.mtime, old.mtime);
  }
}

/** A lock file apt or dpkg only locked (same size and mode as before) is taken out: the old one shows. */
async function removeTouchedLocks(upper: string, before: BeforeSteps): Promise<void> {
  for (const path of LOCK_FILES) {
    const info = await lstat(join(upper, path)).catch(() => undefined);
    const old = before.inStack(path);
    if (!info?.isFile() || old?.type !== 'file') continue;
    if (info.size === old.size && (info.mode & 0o7777) === old.mode && info.uid === old.uid)
      await rm(join(upper, path));
  }
}
