import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../tools/exec.ts';
import { SQUASHFUSE_PROGRAM } from '../tools/mount.ts';

/**
 * What a layer build by an ordinary user needs from the machine (rootless mode, README: Layer builds
 * without root): each checked apart, so that a refusal and `doctor` name exactly what is missing
 * and how to get it.
 */
export interface RootlessNeed {
  name: string;
  ok: boolean;
  /** What was found, for doctor's table and the refusal. */
  found: string;
  /** How to get it, when it is missing. */
  fix: string;
}

/** A user namespace maps the image's ids 1..65535 onto the subordinate range: it must be that long. */
export const SUBORDINATE_IDS = 65_536;

export interface SubordinateRange {
  start: number;
  count: number;
}

/** The first range of /etc/subuid or /etc/subgid TEXT for USER (by name or uid) long enough for an image. */
export function findSubordinateRange(
  text: string,
  user: { name: string; uid: number },
): SubordinateRange | undefined {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== user.name && owner !== String(user.uid)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (Number.isInteger(range.start) && range.count >= SUBORDINATE_IDS) return range;
  }
  return undefined;
}

export interface MachineFiles {
  read: (path: string) => Promise<string | undefined>;
  canReadWrite: (path: string) => Promise<boolean>;
  onPath: (program: string) => Promise<boolean>;
  /** The folder isoforge runs in, and whether this user may enter it (its programs start there). */
  enterableCwd: () => Promise<{ path: string; ok: boolean }>;
  /** Whether `unshare --user --map-auto --map-root-user true` works: the last word on namespaces. */
  probe: () => Promise<string | undefined>;
}

/** Every need of rootless mode on this machine, for the user running isoforge. */
export async function checkRootlessNeeds(
  machine: MachineFiles = liveMachine,
  user = currentUser(),
): Promise<RootlessNeed[]> {
  const needs = [
    await subordinateNeed(machine, user, '/etc/subuid', 'subuid'),
    await subordinateNeed(machine, user, '/etc/subgid', 'subgid'),
    await programNeed(machine, 'newuidmap', 'uidmap'),
    await programNeed(machine, SQUASHFUSE_PROGRAM, 'squashfuse'),
    await userNamespaceNeed(machine),
    await fuseNeed(machine),
    await cwdNeed(machine),
  ];
  if (needs.every((need) => need.ok)) needs.push(await probeNeed(machine));
  return needs;
}

/** The one-line reason a rootless build cannot run here, or undefined when it can. */
export function describeMissing(
  needs: readonly RootlessNeed[],
): { message: string; hint: string } | undefined {
  const missing = needs.filter((need) => !need.ok);
  if (!missing.length) return undefined;
  return {
    message: `a layer build by an ordinary user needs rootless mode, and this machine lacks: ${missing.map((need) => `${need.name} (${need.found})`).join('; ')}`,
    hint: `${missing.map((need) => need.fix).join('; ')}; or run the build as root`,
  };
}

function currentUser(): { name: string; uid: number } {
  const info = userInfo();
  return { name: info.username, uid: info.uid };
}

async function subordinateNeed(
  machine: MachineFiles,
  user: { name: string; uid: number },
  file: string,
  name: string,
): Promise<RootlessNeed> {
  const range = findSubordinateRange((await machine.read(file)) ?? '', user);
  return {
    name: `${name} range`,
    ok: range !== undefined,
    found: range ? `${range.count} ids from ${range.start}` : `none for ${user.name} in ${file}`,
    fix: `as root: usermod --add-${name}s 100000-165535 ${user.name}`,
  };
}

async function programNeed(
  machine: MachineFiles,
  program: string,
  aptPackage: string,
): Promise<RootlessNeed> {
  const ok = await machine.onPath(program);
  return {
    name: program,
    ok,
    found: ok ? 'present' : 'not on PATH',
    fix: `as root: apt-get install -y ${aptPackage}`,
  };
}

// Debian's kernels had a switch of their own; Ubuntu 24.04 restricts them through AppArmor.
async function userNamespaceNeed(machine: MachineFiles): Promise<RootlessNeed> {
  const base = { name: 'unprivileged user namespaces' };
  const max = (await machine.read('/proc/sys/user/max_user_namespaces'))?.trim();
  if (max === '0')
    return {
      ...base,
      ok: false,
      found: 'user.max_user_namespaces=0',
      fix: 'as root: sysctl user.max_user_namespaces=65536',
    };
  const clone = (await machine.read('/proc/sys/kernel/unprivileged_userns_clone'))?.trim();
  if (clone === '0')
    return {
      ...base,
      ok: false,
      found: 'kernel.unprivileged_userns_clone=0',
      fix: 'as root: sysctl kernel.unprivileged_userns_clone=1',
    };
  const apparmor = (await machine.read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'))?.trim();
  if (apparmor === '1')
    return {
      ...base,
      ok: false,
      found: 'restricted by AppArmor (kernel.apparmor_restrict_unprivileged_userns=1)',
      fix: 'as root: give /usr/bin/unshare an AppArmor profile with "userns," (README: Layer builds without root), or sysctl kernel.apparmor_restrict_unprivileged_userns=0',
    };
  return { ...base, ok: true, found: 'allowed', fix: '' };
}

async function fuseNeed(machine: MachineFiles): Promise<RootlessNeed> {
  const ok = await machine.canReadWrite('/dev/fuse');
  return {
    name: '/dev/fuse',
    ok,
    found: ok ? 'read-write' : 'not read-write for this user',
    fix: 'as root: apt-get install -y fuse3 and chmod 0666 /dev/fuse (udev does so on most machines)',
  };
}

// execa starts every program in the working directory: one the user may not enter fails them all.
async function cwdNeed(machine: MachineFiles): Promise<RootlessNeed> {
  const { path, ok } = await machine.enterableCwd();
  return {
    name: 'the working directory',
    ok,
    found: ok ? path : `${path} cannot be entered by this user`,
    fix: 'cd to a folder this user may enter',
  };
}

async function probeNeed(machine: MachineFiles): Promise<RootlessNeed> {
  const failure = await machine.probe();
  return {
    name: 'a user namespace with the subordinate ids',
    ok: failure === undefined,
    found: failure ?? 'made and mapped',
    fix: 'check that newuidmap and newgidmap are setuid root (dpkg-reconfigure uidmap) and see `unshare --user --map-auto true`',
  };
}

const liveMachine: MachineFiles = {
  read: (path) => readFile(path, 'utf8').catch(() => undefined),
  canReadWrite: (path) =>
    access(path, constants.R_OK | constants.W_OK).then(
      () => true,
      () => false,
    ),
  onPath: async (program) => {
    for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
      if (
        await access(join(dir, program), constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return true;
    }
    return false;
  },
  enterableCwd: async () => {
    const path = process.cwd();
    const ok = await access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
    return { path, ok };
  },
  probe: async () => {
    try {
      await runCommand(['unshare', '--user', '--map-auto', '--map-root-user', '--', 'true']);
      return undefined;
    } catch (error) {
      return (error as Error).message.split('\n')[0];
    }
  },
};
