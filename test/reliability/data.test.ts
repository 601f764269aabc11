import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafetyError } from '../../src/errors.ts';
import { recoverMounts } from '../../src/rootfs/mounts.ts';
import { prepareOutput } from '../../src/safety/atomic.ts';
import { removeTree } from '../../src/safety/remove.ts';
import { runMount } from '../../src/tools/mount.ts';
import { recordFault } from './support/ledger.ts';
import {
  decoyIntact,
  disposeScene,
  drive,
  inputBytesChanged,
  leftovers,
  makeScene,
  MOUNT_HOLDER,
  TSX_NODE,
  type Scene,
} from './support/driver.ts';

/** Guarantees 2 (deletion), 3 (output) and 5 (concurrency), each with the fault injected for real. */
const BIN = resolve('bin/isoforge');
let scene: Scene;

beforeEach(async () => {
  scene = await makeScene();
});
afterEach(async () => {
  await disposeScene(scene);
});

async function record(fault: string, interrupted: boolean, partialOutputs = 0): Promise<void> {
  const left = await leftovers(scene);
  const changed = await inputBytesChanged(scene);
  recordFault({
    fault,
    interrupted,
    mountsLeaked: left.mounts.length,
    inputBytesChanged: changed,
    partialOutputs,
  });
  expect(left.mounts).toEqual([]);
  expect(changed).toBe(0);
  expect(partialOutputs).toBe(0);
}

describe('deletion never goes through a mount or a symlink', () => {
  it('isoforge clean with a decoy bind-mounted in the work tree unmounts and reports it, decoy intact', async () => {
    await mkdir(join(scene.work, '.isoforge'));
    await mkdir(join(scene.work, 'layers', 'upper', 'dev'), { recursive: true });
    await runMount({ source: scene.decoy, target: join(scene.work, 'layers', 'upper', 'dev'), bind: true });
    const clean = drive([BIN, 'clean', '--workdir', scene.work]);
    expect((await clean.exit).code).toBe(0);
    expect(clean.lines).toContain(`unmounted ${join(scene.work, 'layers', 'upper', 'dev')}`);
    expect(await decoyIntact(scene)).toBe(true);
    await record('decoy bind mount left in the work tree + clean', false);
  });

  it('removeTree refuses while the decoy is mounted, naming the mount, and deletes nothing', async () => {
    await mkdir(join(scene.work, 'rootfs', 'run'), { recursive: true });
    await writeFile(join(scene.work, 'rootfs', 'keep'), 'x');
    await runMount({ source: scene.decoy, target: join(scene.work, 'rootfs', 'run'), bind: true });
    await expect(removeTree(scene.work, { within: scene.dir })).rejects.toThrow(SafetyError);
    await expect(removeTree(scene.work, { within: scene.dir })).rejects.toThrow(
      join(scene.work, 'rootfs', 'run'),
    );
    expect(await decoyIntact(scene)).toBe(true);
    expect(await readFile(join(scene.work, 'rootfs', 'keep'), 'utf8')).toBe('x');
    await recoverMounts(scene.work);
    await record('delete with a live bind mount below', false);
  });

  it('removeTree deletes absolute, relative and looping symlinks without following them', async () => {
    const root = join(scene.work, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await symlink(scene.decoy, join(root, 'etc', 'absolute'));
    await symlink('../../../decoy', join(root, 'etc', 'relative'));
    await symlink(scene.input, join(root, 'input'));
    await symlink('loop', join(root, 'loop'));
    await removeTree(scene.work, { within: scene.dir });
    expect(await decoyIntact(scene)).toBe(true);
    expect((await readdir(scene.dir)).sort()).toEqual(['decoy', 'input']);
    await record('symlinks out of the work tree when deleting', false);
  });
});

describe('the output appears only complete', () => {
  async function partials(out: string): Promise<number> {
    return (await readdir(resolve(out, '..'))).filter((name) => name.includes('isoforge-tmp')).length;
  }

  it('SIGTERM while writing leaves neither the output nor its temp, and the old output untouched', async () => {
    const out = join(scene.dir, 'out.iso');
    await writeFile(out, 'the previous output');
    const run = drive([...TSX_NODE, MOUNT_HOLDER, scene.work, scene.decoy, scene.input, 'output', out]);
    await run.waitFor(/^WRITING$/);
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(143);
    expect(await readFile(out, 'utf8')).toBe('the previous output');
    await record('SIGTERM while writing the output', true, await partials(out));
  });

  it('SIGKILL while writing leaves a temp only, which the next run removes; no final output appears', async () => {
    const out = join(scene.dir, 'new.iso');
    const run = drive([...TSX_NODE, MOUNT_HOLDER, scene.work, scene.decoy, scene.input, 'output', out]);
    await run.waitFor(/^WRITING$/);
    run.child.kill('SIGKILL');
    await run.exit;
    expect(await partials(out)).toBe(1);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    {
      await using next = await prepareOutput(out, { force: false });
      expect(next.tempPath).toContain(String(process.pid));
    }
    const clean = drive([BIN, 'clean', '--workdir', scene.work]);
    expect((await clean.exit).code).toBe(0);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    await record('SIGKILL while writing the output', true, await partials(out));
  });

  it('an existing output is refused without --force', async () => {
    const out = join(scene.dir, 'exists.iso');
    await writeFile(out, 'precious');
    await expect(prepareOutput(out, { force: false })).rejects.toThrow(/--force|already exists/);
    expect(await readFile(out, 'utf8')).toBe('precious');
    await record('existing output without --force', false);
  });
});

describe('two runs on one work directory cannot interleave', () => {
  it('the second run is refused (exit 8) while the first lives; after the first is SIGKILLed its lock is taken over', async () => {
    const args = [...TSX_NODE, MOUNT_HOLDER, scene.work, scene.decoy, scene.input, 'wait'];
    const first = drive(args);
    const firstPid = Number((await first.waitFor(/^LOCKED \d+$/)).split(' ')[1]);
    await first.waitFor(/^READY$/);
    const second = drive(args);
    expect((await second.exit).code).toBe(8);
    expect(second.lines.join('\n')).toContain(`pid ${firstPid}`);
    first.child.kill('SIGKILL');
    await first.exit;
    const third = drive(args);
    await third.waitFor(/^READY$/);
    expect(third.lines.join('\n')).toMatch(new RegExp(`taking over the stale lock .*pid ${firstPid}`));
    third.child.kill('SIGTERM');
    expect((await third.exit).code).toBe(143);
    expect(await decoyIntact(scene)).toBe(true);
    await record('second run on a locked work dir + stale lock', true);
  });
});
