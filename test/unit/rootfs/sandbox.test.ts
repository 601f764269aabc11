import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseEndedProcesses,
  readImageHostname,
  sandboxArgv,
  STEP_CAPABILITIES,
} from '../../../src/rootfs/sandbox.ts';
import { renderStepPlan } from '../../../src/steps/render.ts';

const SPEC = {
  root: '/work/root',
  hostname: 'ubuntu-server',
  run: '/work/run-1',
  binds: [{ source: '/work/apt', dest: '/var/cache/apt/archives' }],
};

/** The value after FLAG in ARGV (each occurrence). */
const after = (argv: readonly string[], flag: string) =>
  argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1]] : []));

describe('the step sandbox', () => {
  it('gives a command its own PID, mount, IPC and UTS namespaces, the layer as /, and only the listed capabilities', () => {
    const argv = sandboxArgv(SPEC, ['dpkg', '-i', 'x.deb']);
    expect(argv[0]).toBe('bwrap');
    for (const flag of [
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
      '--die-with-parent',
    ])
      expect(argv).toContain(flag);
    expect(argv).not.toContain('--unshare-net');
    expect(argv.slice(argv.indexOf('--bind'), argv.indexOf('--bind') + 3)).toEqual([
      '--bind',
      '/work/root',
      '/',
    ]);
    expect(after(argv, '--bind')).toEqual(['/work/root', '/work/run-1', '/work/apt']);
    expect(after(argv, '--hostname')).toEqual(['ubuntu-server']);
    expect(after(argv, '--cap-drop')).toEqual(['ALL']);
    expect(after(argv, '--cap-add')).toEqual([...STEP_CAPABILITIES]);
    expect(STEP_CAPABILITIES).not.toContain('CAP_SYS_ADMIN');
    expect(STEP_CAPABILITIES).not.toContain('CAP_MKNOD');
    expect(argv.slice(argv.indexOf('--') + 1)).toEqual(['dpkg', '-i', 'x.deb']);
  });

  it('takes network: none as a network namespace of its own, and keeps the command in the process group of bwrap', () => {
    expect(sandboxArgv(SPEC, ['true'], { network: 'none' })).toContain('--unshare-net');
    // One process group with its command, which an abort signals whole (tools/exec.ts).
    expect(sandboxArgv(SPEC, ['true'])).not.toContain('--new-session');
  });

  it('reads what a command left running from its report, one "PID COMMAND" line each', () => {
    expect(parseEndedProcesses('7 sleep\n12 dbus-daemon\n')).toEqual([
      { pid: 7, command: 'sleep' },
      { pid: 12, command: 'dbus-daemon' },
    ]);
    expect(parseEndedProcesses('')).toEqual([]);
  });

  it("names the sandbox after the image's /etc/hostname, else localhost", async () => {
    const root = await mkdtemp(join(tmpdir(), 'isoforge-hostname-'));
    expect(await readImageHostname(root)).toBe('localhost');
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/hostname'), 'ubuntu-server\n');
    expect(await readImageHostname(root)).toBe('ubuntu-server');
    await writeFile(join(root, 'etc/hostname'), 'not a host name\n');
    expect(await readImageHostname(root)).toBe('localhost');
  });

  it('is what --dry-run prints, with the host name the script reads from the image', () => {
    const [line] = renderStepPlan(
      { actions: [{ kind: 'program', argv: ['apt-get', 'update'] }] },
      '/w/root',
      'none',
    );
    expect(line).toMatch(
      /^env -i .* bwrap --unshare-pid .* --unshare-net .* --bind \/w\/root \/ .* --bind "\$isoforge_run" \/run --hostname "\$isoforge_hostname" .* -- apt-get update$/,
    );
  });
});
