import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafetyError } from '../../src/errors.ts';
import { recoverMounts } from '../../src/rootfs/mounts.ts';
import { prepareOutput } from '../../src/safety/atomic.ts';
import { removeTree } from '../../src/safety/remove.ts';
import { runMount } from '../../src/tools/mount.ts';
import { findmntAtOrBelow } from './support/findmnt.ts';
import { measureFault, outcomeOf, snapshotOutputs, type RunOutcome } from './support/measure.ts';
import {
  decoyIntact,
  disposeScene,
  drive,
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

/**
 * Counts and records what the check left, before any clean-up, then asserts the guarantees. RUNS:
 * the processes it ran; INJECTED: whether the test made a fault (false for a check of ordinary
 * work); PLANTED: mounts the test made itself that the guarantee keeps in place.
 */
async function record(
  fault: string,
  how: { injected: boolean; runs?: RunOutcome[]; planted?: string[] },
): Promise<void> {
  const { runs = [], ...options } = how;
  const counted = await measureFault(scene, fault, runs, options);
  expect((await leftovers(scene)).processes).toEqual([]);
  expect(counted.mountsLeaked).toBe(0);
  expect(counted.inputBytesChanged).toBe(0);
  expect(counted.partialOutputNames).toEqual([]);
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
    // The fault: a mount a killed run would have left in the work tree, onto the decoy.
    await record('decoy bind mount left in the work tree + clean', { injected: true });
  });

  it('removeTree refuses while the decoy is mounted, naming the mount, and deletes nothing', async () => {
    const live = join(scene.work, 'rootfs', 'run');
    await mkdir(live, { recursive: true });
    await writeFile(join(scene.work, 'rootfs', 'keep'), 'x');
    await runMount({ source: scene.decoy, target: live, bind: true });
    await expect(removeTree(scene.work, { within: scene.dir })).rejects.toThrow(SafetyError);
    await expect(removeTree(scene.work, { within: scene.dir })).rejects.toThrow(live);
    expect(await decoyIntact(scene)).toBe(true);
    expect(await readFile(join(scene.work, 'rootfs', 'keep'), 'utf8')).toBe('x');
    // Refusing leaves the test's own mount where it was, and nothing else: counted before clean-up.
    expect(await findmntAtOrBelow(scene.work)).toEqual([live]);
    await record('delete with a live bind mount below', { injected: true, planted: [live] });
    await recoverMounts(scene.work);
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
    expect((await readdir(scene.dir)).sort()).toEqual(['decoy', 'input', 'out']);
    // Symlinks are ordinary content of any root file system, and the deletion must succeed: no fault.
    await record('symlinks out of the work tree when deleting', { injected: false });
  });
});

describe('the output appears only complete', () => {
  function writeOutput(out: string) {
    return drive([...TSX_NODE, MOUNT_HOLDER, scene.work, scene.decoy, scene.input, 'output', out]);
  }

  it('SIGTERM while writing leaves neither the output nor its temp, and the old output untouched', async () => {
    const out = join(scene.outDir, 'out.iso');
    await writeFile(out, 'the previous output');
    await snapshotOutputs(scene);
    const run = writeOutput(out);
    await run.waitFor(/^WRITING$/);
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(143);
    expect(await readFile(out, 'utf8')).toBe('the previous output');
    await record('SIGTERM while writing the output', {
      injected: true,
      runs: [await outcomeOf(run, 'stand-in')],
    });
  });

  it('SIGKILL while writing leaves a temp only, which the next run removes; no final output appears', async () => {
    const out = join(scene.outDir, 'new.iso');
    const run = writeOutput(out);
    await run.waitFor(/^WRITING$/);
    run.child.kill('SIGKILL');
    const killed = await outcomeOf(run, 'stand-in');
    expect(await readdir(scene.outDir)).toEqual([`.new.iso.isoforge-tmp-${run.child.pid}`]);
    {
      await using next = await prepareOutput(out, { force: false });
      expect(next.tempPath).toBe(join(scene.outDir, `.new.iso.isoforge-tmp-${process.pid}`));
    }
    const clean = drive([BIN, 'clean', '--workdir', scene.work]);
    expect((await clean.exit).code).toBe(0);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    await record('SIGKILL while writing the output + next run', { injected: true, runs: [killed] });
  });

  it('an existing output is refused without --force', async () => {
    const out = join(scene.outDir, 'exists.iso');
    await writeFile(out, 'precious');
    await snapshotOutputs(scene);
    await expect(prepareOutput(out, { force: false })).rejects.toThrow(`output ${out} already exists`);
    expect(await readFile(out, 'utf8')).toBe('precious');
    // The fault: an output already in the way, which must make prepareOutput refuse.
    await record('existing output without --force', { injected: true });
  });
});

describe('two runs on one work directory cannot interleave', () => {
  it('the second run is refused (exit 8) while the first lives; after the first is SIGKILLed its lock is taken over', async () => {
    const args = [...TSX_NODE, MOUNT_HOLDER, scene.work, scene.decoy, scene.input, 'wait'];
    const first = drive(args);
    const runs: Promise<RunOutcome>[] = [outcomeOf(first, 'stand-in')];
    const firstPid = Number((await first.waitFor(/^LOCKED \d+$/)).split(' ')[1]);
    await first.waitFor(/^READY$/);
    const second = drive(args);
    runs.push(outcomeOf(second, 'stand-in'));
    expect((await second.exit).code).toBe(8);
    expect(second.lines.join('\n')).toContain(`pid ${firstPid}`);
    first.child.kill('SIGKILL');
    await first.exit;
    const third = drive(args);
    runs.push(outcomeOf(third, 'stand-in'));
    await third.waitFor(/^READY$/);
    expect(third.lines.join('\n')).toMatch(new RegExp(`taking over the stale lock .*pid ${firstPid}`));
    third.child.kill('SIGTERM');
    expect((await third.exit).code).toBe(143);
    expect(await decoyIntact(scene)).toBe(true);
    const outcomes = await Promise.all(runs);
    expect(outcomes.map((outcome) => outcome.started)).toEqual([true, false, true]);
    await record('second run on a locked work dir + stale lock', { injected: true, runs: outcomes });
  });
});
