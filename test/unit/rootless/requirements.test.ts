import { describe, expect, it } from 'vitest';
import {
  checkRootlessNeeds,
  describeMissing,
  findSubordinateRange,
  type MachineFiles,
} from '../../../src/rootless/requirements.ts';

const USER = { name: 'builder', uid: 1000 };

function machine(files: Record<string, string>, overrides: Partial<MachineFiles> = {}): MachineFiles {
  return {
    read: async (path) => files[path],
    canReadWrite: async () => true,
    onPath: async () => true,
    enterableCwd: async () => ({ path: '/home/builder', ok: true }),
    probe: async () => undefined,
    ...overrides,
  };
}

const READY = {
  '/etc/subuid': 'other:100000:65536\nbuilder:165536:65536\n',
  '/etc/subgid': '1000:165536:65536\n',
  '/proc/sys/user/max_user_namespaces': '63000\n',
};

describe('rootless requirements', () => {
  it('finds a range by name or uid, long enough for an image', () => {
    expect(findSubordinateRange(READY['/etc/subuid'], USER)).toEqual({ start: 165536, count: 65536 });
    expect(findSubordinateRange(READY['/etc/subgid'], USER)).toEqual({ start: 165536, count: 65536 });
    expect(findSubordinateRange('builder:165536:1000\n', USER)).toBeUndefined();
    expect(findSubordinateRange('', USER)).toBeUndefined();
  });

  it('is ready when every need is met, the probe included', async () => {
    const needs = await checkRootlessNeeds(machine(READY), USER);
    expect(needs.map((need) => need.ok)).toEqual([true, true, true, true, true, true, true, true]);
    expect(describeMissing(needs)).toBeUndefined();
  });

  it('names each missing need and its fix in one message', async () => {
    const needs = await checkRootlessNeeds(
      machine(
        { ...READY, '/etc/subuid': '', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1\n' },
        { canReadWrite: async () => false, onPath: async (program) => program !== 'squashfuse_ll' },
      ),
      USER,
    );
    const missing = describeMissing(needs);
    expect(missing?.message).toBe(
      'a layer build by an ordinary user needs rootless mode, and this machine lacks: subuid range (none for builder in /etc/subuid); squashfuse_ll (not on PATH); unprivileged user namespaces (restricted by AppArmor (kernel.apparmor_restrict_unprivileged_userns=1)); /dev/fuse (not read-write for this user)',
    );
    expect(missing?.hint).toMatch(
      /usermod --add-subuids .* builder; as root: apt-get install -y squashfuse; .*AppArmor/,
    );
    // The probe runs only when the static checks pass: its failure would repeat them.
    expect(needs.map((need) => need.name)).not.toContain('a user namespace with the subordinate ids');
  });

  it('names a working directory the user may not enter (every program starts there)', async () => {
    const needs = await checkRootlessNeeds(
      machine(READY, { enterableCwd: async () => ({ path: '/root', ok: false }) }),
      USER,
    );
    expect(describeMissing(needs)?.message).toMatch(
      /the working directory \(\/root cannot be entered by this user\)$/,
    );
  });

  it('tells a disabled user namespace switch from a failed probe', async () => {
    const off = await checkRootlessNeeds(
      machine({ ...READY, '/proc/sys/user/max_user_namespaces': '0' }),
      USER,
    );
    expect(describeMissing(off)?.message).toMatch(/user\.max_user_namespaces=0/);
    const probe = await checkRootlessNeeds(
      machine(READY, { probe: async () => 'newuidmap: write to uid_map failed' }),
      USER,
    );
    expect(describeMissing(probe)?.message).toMatch(
      /a user namespace with the subordinate ids \(newuidmap: write/,
    );
  });
});
