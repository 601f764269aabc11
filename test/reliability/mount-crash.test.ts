import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountsBelow } from '../../src/safety/mountinfo.ts';
import { disposeScene, makeFaultPath } from './support/driver.ts';
import { measureFault, snapshotOutputs } from './support/measure.ts';
import {
  build,
  buildLeftovers,
  buildOutcome,
  makeBuildScene,
  FINISHED_OUTPUT,
  outputsLeft,
  writeRecipe,
  type BuildScene,
} from './support/build-scene.ts';

/**
 * A crash right after every single mount(8) and umount(8) call of a real build of the sample. One
 * build first counts its calls (the fault wrapper, test/reliability/fixtures/fault-wrapper.sh, is
 * first on PATH and counts without killing); then, for each call N, a build is SIGKILLed the moment
 * its Nth call returns, and the next build must undo what it left and succeed: nothing mounted
 * below the work dir (/proc/self/mountinfo), the input's sha256 unchanged, no file but the
 * finished output in the output folder. The recipe changes one small layer with a tiny step.
 */
const PROGRAMS = ['mount', 'umount'] as const;
type Program = (typeof PROGRAMS)[number];
const SERIES_TIMEOUT = 3_600_000;

let scene: BuildScene;
const calls = new Map<Program, number>();

async function readCount(program: Program): Promise<number> {
  return Number((await readFile(join(scene.dir, `${program}.count`), 'utf8').catch(() => '0')).trim());
}

async function resetCounts(): Promise<void> {
  for (const program of PROGRAMS) await rm(join(scene.dir, `${program}.count`), { force: true });
}

beforeAll(async () => {
  scene = await makeBuildScene();
  await writeRecipe(scene, 'echo crash-series > /etc/isoforge-release');
  const counting = build(scene, await makeFaultPath(scene, 'mount', 0));
  expect((await counting.exit).code, counting.lines.join('\n')).toBe(0);
  for (const program of PROGRAMS) calls.set(program, await readCount(program));
}, 600_000);
afterAll(async () => {
  await disposeScene(scene);
});

async function crashAfter(program: Program, call: number, of: number): Promise<void> {
  const where = `${program}(8) call ${call} of ${of}`;
  await resetCounts();
  await rm(scene.out, { force: true });
  await snapshotOutputs(scene);
  const crashed = build(scene, await makeFaultPath(scene, program, call));
  const crashedOutcome = await buildOutcome(crashed);
  expect((await crashed.exit).signal, `${where}:\n${crashed.lines.join('\n')}`).toBe('SIGKILL');
  const leftByCrash = await mountsBelow(scene.work);
  const next = build(scene);
  const nextOutcome = await buildOutcome(next);
  expect((await next.exit).code, `after ${where}:\n${next.lines.join('\n')}`).toBe(0);
  const record = await measureFault(
    scene,
    `real build: SIGKILL right after a ${program}(8) call + next build`,
    [crashedOutcome, nextOutcome],
    { final: 'out.iso' },
  );
  if (leftByCrash.length) {
    expect(next.lines.join('\n'), where).toContain(`undid ${leftByCrash.length} mounts a killed run left`);
  }
  expect(record, where).toMatchObject({
    buildsInterrupted: 1,
    mountsLeaked: 0,
    inputBytesChanged: 0,
    partialOutputNames: [],
  });
  expect(await buildLeftovers(scene), where).toEqual({ mounts: [], processes: [] });
  expect(await outputsLeft(scene), where).toEqual(FINISHED_OUTPUT);
}

describe('a SIGKILL right after each mount(8) and umount(8) call of a real build', () => {
  it('one build of the sample makes mount(8) and umount(8) calls, counted', () => {
    // The chroot alone mounts /dev, /proc, /sys... and each mount is followed by --make-rslave.
    expect(calls.get('mount')).toBeGreaterThanOrEqual(4);
    expect(calls.get('umount')).toBeGreaterThanOrEqual(2);
  });

  for (const program of PROGRAMS) {
    it(
      `crashed after each ${program}(8) call in turn, the next build recovers and succeeds`,
      async () => {
        const total = calls.get(program) ?? 0;
        for (let call = 1; call <= total; call++) await crashAfter(program, call, total);
      },
      SERIES_TIMEOUT,
    );
  }
});
