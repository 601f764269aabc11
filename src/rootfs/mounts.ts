import { mkdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { LockedError, SafetyError } from '../errors.ts';
import { isAtOrBelow, mountsAtOrBelow, mountsBelow } from '../safety/mountinfo.ts';
import {
  isProcessAlive,
  killProcessesRootedIn,
  killProcessesWorkingIn,
  readProcessStartTime,
} from '../safety/processes.ts';
import { type MountArguments, runMakeRslave, runMount, runUmount } from '../tools/mount.ts';
import { WORKER_PROGRAMS } from '../tools/programs.ts';
import { log } from '../ui/log.ts';
import { writeFileAtomic } from '../safety/atomic.ts';
import { hostPid } from '../safety/host-proc.ts';

export type MountRequest = MountArguments;

/** What a run journals before each mount, so the next run can undo a SIGKILLed run's mounts. */
export interface MountJournal {
  pid: number;
  startTime?: string;
  mounts: { source: string; target: string; fstype?: string }[];
}

export const MOUNT_JOURNAL = '.isoforge/mounts.json';

/**
 * Every mount isoforge makes goes through a MountStack: it only mounts inside its work
 * directory, journals each mount before making it, keeps mount events from propagating back to
 * the host, and undoes the mounts in reverse order however the work ends.
 */
export class MountStack implements AsyncDisposable {
  private readonly entries: MountJournal['mounts'] = [];

  private constructor(
    private readonly workDir: string,
    private readonly startTime: string | undefined,
  ) {}

  /** Opens a stack for WORKDIR (created if missing); its journal lives in WORKDIR/.isoforge/. */
  static async open(workDir: string): Promise<MountStack> {
    await mkdir(join(workDir, '.isoforge'), { recursive: true });
    return new MountStack(await realpath(workDir), await readProcessStartTime(hostPid()));
  }

  /** Mounts REQUEST.source on REQUEST.target, which must already exist strictly inside the work dir. */
  async mount(request: MountRequest): Promise<void> {
    const target = await this.checkTarget(request.target);
    this.entries.push({ source: request.source, target, fstype: request.fstype });
    await this.writeJournal();
    try {
      await runMount({ ...request, target });
    } catch (error) {
      this.entries.pop();
      await this.writeJournal();
      throw error;
    }
    try {
      await runMakeRslave(target);
    } catch (error) {
      await unmountTree(target).catch(() => undefined);
      this.entries.pop();
      await this.writeJournal();
      throw error;
    }
  }

  /** Unmounts everything this stack mounted, newest first; safe to call twice. */
  async unmountAll(): Promise<void> {
    const failures: string[] = [];
    // A daemon a package script started inside the chroot (escaping its process group) dies here.
    for (const { target } of this.entries) await killProcessesRootedIn(target);
    while (this.entries.length) {
      const target = this.entries[this.entries.length - 1]?.target ?? '';
      try {
        await unmountTree(target);
      } catch (error) {
        failures.push(`${target} (${(error as Error).message})`);
      }
      this.entries.pop();
    }
    await this.writeJournal();
    if (failures.length) {
      throw new SafetyError(`could not unmount ${failures.join('; ')}`, {
        hint: 'stop the processes using it, then run `isoforge clean`',
      });
    }
  }

  /** Unmounts TARGET, which must be this stack's newest mount: the others stay. */
  async unmountNewest(target: string): Promise<void> {
    const newest = this.entries.at(-1);
    if (!newest || newest.target !== (await realpath(target))) {
      throw new SafetyError(`refusing to unmount ${target}: it is not the newest mount of this build`);
    }
    await killProcessesRootedIn(newest.target);
    await unmountTree(newest.target);
    this.entries.pop();
    await this.writeJournal();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.unmountAll();
  }

  private async checkTarget(requested: string): Promise<string> {
    const target = await realpath(requested).catch((error: unknown) => {
      throw new SafetyError(`refusing to mount on ${requested}: it does not exist`, { cause: error });
    });
    if (target === this.workDir || !isAtOrBelow(target, this.workDir)) {
      throw new SafetyError(
        `refusing to mount on ${target}: it is not inside the work directory ${this.workDir}`,
      );
    }
    return target;
  }

  // Several stacks may share a work dir (layers, then a chroot on top): the journal lists them all.
  private async writeJournal(): Promise<void> {
    const stacks = openStacks.get(this.workDir) ?? new Set<MountStack>();
    if (this.entries.length) stacks.add(this);
    else stacks.delete(this);
    if (stacks.size) openStacks.set(this.workDir, stacks);
    else openStacks.delete(this.workDir);
    const mounts = [...stacks].flatMap((stack) => stack.entries);
    await writeJournalFile(this.workDir, { pid: hostPid(), startTime: this.startTime, mounts });
  }
}

/** The stacks of this process with mounts, per work dir, so each journal write lists every one. */
const openStacks = new Map<string, Set<MountStack>>();

// Written whole: a SIGKILL mid-write never leaves a torn journal.
async function writeJournalFile(workDir: string, journal: MountJournal): Promise<void> {
  await writeFileAtomic(join(workDir, MOUNT_JOURNAL), `${JSON.stringify(journal, null, 2)}\n`);
}

/** Unmounts TARGET and anything mounted below it, deepest first, lazily when a plain umount fails. */
export async function unmountTree(target: string): Promise<void> {
  const left = await unmountWhileAny(() => mountsAtOrBelow(target));
  if (left.length) throw new SafetyError(`still mounted after unmounting: ${left.join(', ')}`);
}

// Rounds of plain umounts, deepest path first, until the list is empty. A mount stacked on top of a
// recursive bind hides the mounts below it (umount says "not mounted"), so one pass is not enough;
// only when a whole round achieves nothing are the rest detached lazily (MNT_DETACH). Returns what is left.
async function unmountWhileAny(list: () => Promise<string[]>): Promise<string[]> {
  for (let round = 0; round < 16; round++) {
    const points = await list();
    if (!points.length) return [];
    let progress = false;
    for (const point of points) progress = (await tryUmount(point, false)) || progress;
    if (progress) continue;
    log.warn({ points }, 'umount failed; detaching lazily');
    for (const point of points) await tryUmount(point, true);
  }
  return list();
}

async function tryUmount(point: string, lazy: boolean): Promise<boolean> {
  try {
    await runUmount(point, { lazy });
    return true;
  } catch (error) {
    log.debug({ point, lazy, err: error }, 'umount did not succeed this round');
    return false;
  }
}

/**
 * Undoes the mounts a killed run left under WORKDIR, innermost first. It reads the live mount table,
 * not only the journal (a SIGKILL can land between mount and journal update). WORKDIR itself is
 * never unmounted: it may be the user's own file system. Returns what it unmounted.
 */
export async function recoverMounts(workDir: string): Promise<string[]> {
  const root = await realpath(workDir).catch(() => undefined);
  if (!root) return [];
  await checkNoLiveOwner(root);
  // Processes a SIGKILLed run left (chrooted, or a mksquashfs still writing) keep mounts busy: stop them.
  const killed = await killProcessesWorkingIn(root, WORKER_PROGRAMS);
  if (killed.length) log.warn({ killed }, 'killed processes a previous run left inside its chroot');
  const leftovers = await mountsBelow(root);
  const left = await unmountWhileAny(() => mountsBelow(root));
  if (left.length) {
    throw new SafetyError(`could not undo the mounts below ${root}: ${left.join(', ')}`, {
      hint: 'find the processes using them (fuser -vm PATH), stop them, and run `isoforge clean` again',
    });
  }
  await mkdir(join(root, '.isoforge'), { recursive: true }).catch(() => undefined);
  await writeJournalFile(root, { pid: hostPid(), mounts: [] }).catch(() => undefined);
  return leftovers;
}

// A journal whose writer still runs belongs to a live build: its mounts are in use, not leftovers.
async function checkNoLiveOwner(root: string): Promise<void> {
  const journal = await readMountJournal(root);
  if (!journal || journal.pid === hostPid() || !journal.mounts.length) return;
  if (await isProcessAlive(journal.pid, journal.startTime)) {
    throw new LockedError(`the mounts below ${root} belong to a running isoforge (pid ${journal.pid})`, {
      hint: 'wait for it to finish or stop it first',
    });
  }
}

/** The journal a run left in WORKDIR, or undefined when there is none or it is unreadable. */
export async function readMountJournal(workDir: string): Promise<MountJournal | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(workDir, MOUNT_JOURNAL), 'utf8')) as MountJournal;
    return Array.isArray(parsed.mounts) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
