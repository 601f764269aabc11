import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { measureFault, outcomeOf, type RunOutcome } from './support/measure.ts';
import {
  decoyIntact,
  disposeScene,
  drive,
  leftovers,
  makeFaultPath,
  makeScene,
  MOUNT_HOLDER,
  TSX_NODE,
  type Scene,
} from './support/driver.ts';

/**
 * Guarantee 1 (mounts) on the build's own machinery: a process holding a MountStack (root tmpfs,
 * rbind /dev, proc, a decoy and the input bound inside) is interrupted at every step. SIGINT/SIGTERM
 * must leave nothing mounted and nothing running; after SIGKILL the next run or `isoforge clean` must.
 */
const BIN = resolve('bin/isoforge');
let scene: Scene;

beforeEach(async () => {
  scene = await makeScene();
});
afterEach(async () => {
  await disposeScene(scene);
});

function holder(mode: 'wait' | 'chroot' | 'output', env: Record<string, string> = {}, out = '') {
  return drive([...TSX_NODE, MOUNT_HOLDER, scene.work, scene.decoy, scene.input, mode, out], env);
}

const MOMENTS = [
  { name: 'while mounting', mode: 'wait', line: /^MOUNTED root$/ },
  { name: 'with everything mounted', mode: 'wait', line: /^READY$/ },
  { name: 'mid chroot command', mode: 'chroot', line: /^CHROOT-RUNNING$/ },
] as const;

/** Counts and records what the fault left (RUNS: the stand-ins it ran), then asserts the guarantees. */
async function checkClean(fault: string, runs: RunOutcome[], interrupted = runs.length): Promise<void> {
  const record = await measureFault(scene, fault, runs);
  expect(await leftovers(scene)).toEqual({ mounts: [], processes: [] });
  expect(record.mountsLeaked).toBe(0);
  expect(record.inputBytesChanged).toBe(0);
  expect(record.partialOutputNames).toEqual([]);
  expect(record.standInsInterrupted).toBe(interrupted);
  expect(await decoyIntact(scene)).toBe(true);
}

describe('SIGINT and SIGTERM leave nothing mounted and nothing running', () => {
  for (const moment of MOMENTS) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`${signal} ${moment.name}`, async () => {
        const run = holder(moment.mode);
        await run.waitFor(moment.line);
        run.child.kill(signal);
        const outcome = await outcomeOf(run, 'stand-in');
        expect((await run.exit).code).toBe(signal === 'SIGINT' ? 130 : 143);
        await checkClean(`${signal} ${moment.name}`, [outcome]);
      });
    }
  }
});

describe('after SIGKILL, isoforge clean and the next run undo the leftovers', () => {
  for (const moment of MOMENTS) {
    it(`SIGKILL ${moment.name}, then isoforge clean`, async () => {
      const run = holder(moment.mode);
      await run.waitFor(moment.line);
      run.child.kill('SIGKILL');
      const outcome = await outcomeOf(run, 'stand-in');
      expect((await run.exit).signal).toBe('SIGKILL');
      expect((await leftovers(scene)).mounts.length).toBeGreaterThan(0);
      const clean = drive([BIN, 'clean', '--workdir', scene.work]);
      expect((await clean.exit).code).toBe(0);
      expect(clean.lines).toContain(`unmounted ${scene.work}/root`);
      await checkClean(`SIGKILL ${moment.name} + clean`, [outcome]);
    });
  }

  it('SIGKILL mid chroot command, then the next run recovers (and kills the chroot leftovers)', async () => {
    const first = holder('chroot');
    await first.waitFor(/^CHROOT-RUNNING$/);
    first.child.kill('SIGKILL');
    const killed = await outcomeOf(first, 'stand-in');
    expect((await leftovers(scene)).processes.length).toBeGreaterThan(0);
    const next = holder('wait');
    await next.waitFor(/^READY$/);
    expect(next.lines.some((line) => line.startsWith('NOTICE') && line.includes('stale lock'))).toBe(true);
    expect(next.lines).toContain(`RECOVERED ${scene.work}/root/dev/pts`);
    next.child.kill('SIGTERM');
    const stopped = await outcomeOf(next, 'stand-in');
    expect((await next.exit).code).toBe(143);
    await checkClean('SIGKILL mid chroot + next run', [killed, stopped]);
  });
});

describe('a crash at each exact mount(8) and umount(8) call', () => {
  // 5 mounts, each followed by `mount --make-rslave`: 10 mount(8) calls in all.
  for (let call = 1; call <= 10; call++) {
    it(`killed right after mount call ${call}; the next run recovers`, async () => {
      const run = holder('wait', await makeFaultPath(scene, 'mount', call));
      const killed = await outcomeOf(run, 'stand-in');
      expect((await run.exit).signal).toBe('SIGKILL');
      const next = holder('wait');
      await next.waitFor(/^READY$/);
      next.child.kill('SIGINT');
      const stopped = await outcomeOf(next, 'stand-in');
      expect((await next.exit).code).toBe(130);
      await checkClean('stand-in: SIGKILL right after a mount(8) call + next run', [killed, stopped]);
    });
  }

  for (const call of [1, 2, 3]) {
    it(`SIGTERM, then killed during clean-up after umount call ${call}; isoforge clean recovers`, async () => {
      const run = holder('wait', await makeFaultPath(scene, 'umount', call));
      await run.waitFor(/^READY$/);
      run.child.kill('SIGTERM');
      const killed = await outcomeOf(run, 'stand-in');
      expect((await run.exit).signal).toBe('SIGKILL');
      const clean = drive([BIN, 'clean', '--workdir', scene.work]);
      expect((await clean.exit).code).toBe(0);
      await checkClean('stand-in: SIGKILL right after an umount(8) call + clean', [killed]);
    });
  }
});
