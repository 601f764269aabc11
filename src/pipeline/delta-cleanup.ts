import { lstat, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SquashfsNode } from '../squashfs/model.ts';
import { runFindEntries } from '../tools/coreutils.ts';
import { RESTORED_FILES, TRANSIENT } from './cleanup.ts';
import { isCopiedUpOnly, LOCK_FILES } from './copy-up.ts';

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
  for (const path of folders.sort().reverse()) {
    if (await isCopiedUpOnly(upper, path, before.inStack(path))) {
      await rmdir(join(upper, path));
      cleaned.push(path);
    }
  }
  return cleaned.sort();
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
