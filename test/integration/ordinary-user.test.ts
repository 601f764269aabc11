import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/tools/exec.ts';
import { installPackedIsoforge } from '../../scripts/pack-install.ts';
import { ensureSampleIso } from '../support/sample.ts';

// isoforge run by an ordinary user (nobody, through util-linux's runuser): a layer build needs
// root or rootless mode, which nobody (no subordinate id range) lacks, and says so before any
// work (rootless.test.ts builds as a user with one); a medium-only build needs nothing of root and works. The user
// runs isoforge as installed from `npm pack` into a folder it can read: the checkout may sit where
// only root can reach (a clone below /root or a private temp folder).
const CHECKOUT_BIN = resolve('bin/isoforge');
let BIN: string;
let dir: string;

async function asNobody(args: readonly string[]) {
  return runCommand(['runuser', '-u', 'nobody', '--', BIN, ...args], {
    okExitCodes: [1, 2, 3, 4],
    // From a folder nobody may enter: the checkout's own may sit below a private one (a 0700 temp
    // folder), and every program isoforge starts inherits the working directory.
    cwd: dir,
    // tsx (a checkout run from its sources) keeps its cache in TMPDIR: one nobody may write.
    env: { NO_COLOR: '1', TMPDIR: join(dir, 'tmp') },
  });
}

async function mountsBelow(path: string): Promise<string[]> {
  const { stdout } = await runCommand(['findmnt', '--raw', '--noheadings', '--output', 'TARGET'], {
    okExitCodes: [1],
  });
  return stdout.split('\n').filter((target) => target.startsWith(path));
}

beforeAll(async () => {
  // Not below the run's TMPDIR (mode 0700, root's): nobody must reach it. Removed after the tests.
  dir = await mkdtemp('/tmp/isoforge-user-');
  await chmod(dir, 0o777);
  await mkdir(join(dir, 'tmp'), { mode: 0o777 });
  await chmod(join(dir, 'tmp'), 0o777);
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await chmod(join(dir, 'sample.iso'), 0o444);
  BIN = (await installPackedIsoforge(dir)).bin;
}, 600_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('an ordinary user', () => {
  it('gets one line and exit 4 for a layer build, with nothing written and nothing mounted', async () => {
    const recipe = join(dir, 'layer.yaml');
    await writeFile(
      recipe,
      'input: sample.iso\noutput: out/layer.iso\nlayers:\n  ubuntu-server-minimal.ubuntu-server:\n    steps:\n      - run: echo x > /etc/x\n',
    );
    await chmod(recipe, 0o444);
    const run = await asNobody(['build', recipe, '--workdir', join(dir, 'work')]);
    expect(run.exitCode).toBe(4);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^isoforge: error: a layer build by an ordinary user needs rootless mode, .*subuid range/,
      ),
    ]);
    expect((await readdir(dir)).filter((name) => !/^(prefix|isoforge-.*\.tgz)$/.test(name)).sort()).toEqual([
      'layer.yaml',
      'sample.iso',
      'tmp',
    ]);
    expect(await mountsBelow(dir)).toEqual([]);
  });

  it('builds and verifies a medium-only recipe, no root needed', async () => {
    const recipe = join(dir, 'medium.yaml');
    await writeFile(
      recipe,
      "input: sample.iso\noutput: out/medium.iso\niso:\n  diskInfo: 'Built by nobody'\n",
    );
    await chmod(recipe, 0o444);
    const run = await asNobody(['build', recipe, '--workdir', join(dir, 'work-medium')]);
    expect(run.exitCode, run.stderr).toBe(0);
    const verify = await runCommand([
      CHECKOUT_BIN,
      'verify',
      join(dir, 'out/medium.iso'),
      '--original',
      join(dir, 'sample.iso'),
    ]);
    expect(verify.exitCode).toBe(0);
  });

  it('is told an ISO below a folder it may not enter cannot be reached, not that it does not exist', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked, { mode: 0o700 });
    await chmod(locked, 0o700);
    await copyFile(join(dir, 'sample.iso'), join(locked, 'sample.iso'));
    const run = await asNobody(['inspect', join(locked, 'sample.iso')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toBe(
      `isoforge: error: ${join(locked, 'sample.iso')} cannot be reached: permission denied (put the ISO where this user may read it, or make its folders searchable)`,
    );
  });
});
