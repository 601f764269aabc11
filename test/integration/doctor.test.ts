import { chmod, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runIsoforge } from '../support/cli.ts';

/** A PATH folder of symlinks to every program of the system's bin folders except LEAVE_OUT. */
async function makePathWithout(leaveOut: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-path-'));
  for (const folder of ['/usr/local/bin', '/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
    for (const name of await readdir(folder).catch(() => [])) {
      if (name === leaveOut) continue;
      await symlink(join(folder, name), join(dir, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
  }
  return dir;
}

describe('isoforge doctor', () => {
  it('exits 0 on this machine, with nothing to fix', async () => {
    const run = await runIsoforge(['doctor', '--json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).fix).toBeNull();
  });

  it('exits 4 when a required program is missing, naming it and the one apt-get line', async () => {
    const run = await runIsoforge(['doctor'], { env: { PATH: await makePathWithout('mksquashfs') } });
    expect(run.exitCode).toBe(4);
    expect(run.stdout).toMatch(/^mksquashfs\s+-\s+4\.4\s+squashfs-tools\s+missing$/m);
    expect(run.stdout).toMatch(/^to fix: apt-get install -y squashfs-tools$/m);
    expect(run.stderr).toBe(
      "isoforge: error: required program 'mksquashfs' was not found on PATH (install it: apt-get install -y squashfs-tools)",
    );
  });

  it('exits 4 when xorriso is older than 1.5.0 (1.4.x misreports appended partitions)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoforge-old-xorriso-'));
    const fake = join(dir, 'xorriso');
    // The banner xorriso 1.4.8 prints for -version (first line).
    await writeFile(
      fake,
      "#!/bin/sh\necho 'xorriso 1.4.8 : RockRidge filesystem manipulator, libburnia project.'\n",
    );
    await chmod(fake, 0o755);
    const run = await runIsoforge(['doctor', '--json'], { env: { PATH: `${dir}:${process.env.PATH}` } });
    expect(run.exitCode).toBe(4);
    const report = JSON.parse(run.stdout);
    expect(report.checks.find((c: { name: string }) => c.name === 'xorriso')).toMatchObject({
      found: '1.4.8',
      minimum: '1.5.0',
      status: 'too-old',
    });
    expect(report.fix).toBe('apt-get install -y xorriso');
    expect(run.stderr).toBe(
      'isoforge: error: xorriso 1.4.8 is too old: isoforge needs 1.5.0 or newer (install it: apt-get install -y xorriso)',
    );
  });
});
