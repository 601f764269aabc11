import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { diffSnapshots, type TreeSnapshot } from '../rootfs/snapshot.ts';
import { readFileState, restoreFileState } from '../rootfs/session.ts';

/** Files whose state the build must not change in the image, restored exactly after the chroot. */
export const RESTORED_FILES = [
  '/etc/resolv.conf',
  '/etc/machine-id',
  '/var/lib/dbus/machine-id',
  '/etc/hostname',
];

/** Where a build leaves traces that do not belong in a shipped image (the guide's clean-up, made exact). */
export const TRANSIENT = [
  /^\/tmp\//,
  /^\/var\/tmp\//,
  /^\/var\/log\//,
  /^\/var\/cache\/apt\//,
  /^\/var\/lib\/apt\/lists\//,
  /^\/root\/\.bash_history$/,
  /^\/var\/cache\/debconf\/.*-old$/,
  /^\/etc\/ssh\/ssh_host_/,
];

/** TRANSIENT as one extended regular expression, for grep -E in the --dry-run script. */
export const TRANSIENT_PATTERN = TRANSIENT.map((regex) => regex.source).join('|');

export type SavedStates = Map<string, Awaited<ReturnType<typeof readFileState>>>;

/** Reads the state of RESTORED_FILES in the layer's own upper dir before the chroot runs. */
export async function saveUpperStates(upper: string): Promise<SavedStates> {
  const states: SavedStates = new Map();
  for (const path of RESTORED_FILES) states.set(path, await readFileState(join(upper, path)));
  return states;
}

/**
 * After the overlay is unmounted: puts RESTORED_FILES back as the layer had them (absent from the
 * upper dir means "as the layers below have it"), and deletes what the build itself left behind:
 * new files in /tmp, /var/log, apt caches and lists, shell history, SSH host keys.
 */
export async function cleanUpper(
  upper: string,
  before: TreeSnapshot,
  after: TreeSnapshot,
  states: SavedStates,
): Promise<string[]> {
  for (const [path, state] of states) {
    const current = await lstat(join(upper, path)).catch(() => undefined);
    if (current || state.kind !== 'absent') await restoreFileState(join(upper, path), state);
  }
  const removed: string[] = [];
  const { changed } = diffSnapshots(before, after);
  for (const path of changed) {
    if (before.has(path) || !TRANSIENT.some((pattern) => pattern.test(path))) continue;
    if (after.get(path)?.startsWith('d:')) continue;
    await rm(join(upper, path), { force: true });
    removed.push(path);
  }
  return removed;
}
