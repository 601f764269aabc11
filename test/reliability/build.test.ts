import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disposeScene } from './support/driver.ts';
import { countInputBytesChanged, measureFault, type RunOutcome } from './support/measure.ts';
import {
  BASE_LAYER,
  build,
  buildLeftovers,
  buildOutcome,
  makeBuildScene,
  FINISHED_OUTPUT,
  outputsLeft,
  signalPath,
  writeRecipe,
  type BuildScene,
} from './support/build-scene.ts';

/**
 * Guarantees 1 and 3 on real builds of the sample ISO: the build is interrupted inside every stage
 * (the signal is sent by a wrapper the moment the stage's program starts, or when the chroot command
 * prints its marker). Afterwards: nothing mounted under the work dir, nothing of isoforge's running,
 * the input's sha256 unchanged, and no output (final or temporary) left.
 */
let scene: BuildScene;

beforeEach(async () => {
  scene = await makeBuildScene();
  await writeRecipe(scene, 'echo reliability > /etc/isoforge-release');
});
afterEach(async () => {
  await disposeScene(scene);
});

/** Counts and records what the fault left, then asserts the guarantees on those same counts. */
async function checkAfterFault(fault: string, runs: RunOutcome[]) {
  const record = await measureFault(scene, fault, runs, { final: 'out.iso' });
  expect((await buildLeftovers(scene)).processes).toEqual([]);
  expect(record.mountsLeaked).toBe(0);
  expect(record.inputBytesChanged).toBe(0);
  expect(record.partialOutputNames).toEqual([]);
  expect(await outputsLeft(scene)).toEqual(runs.at(-1)?.succeeded ? FINISHED_OUTPUT : []);
  return record;
}

// Each stage's program and which of its calls falls inside that stage (see build.log "+ argv" lines),
// for both repack ways: block reuse mounts the layer and packs only the changes; a full repack
// unpacks it, measures it with du and packs it whole, except for the base layer, packed whole from
// the merged view while the layer and the overlay are mounted.
const STAGES = [
  { stage: 'a mount (the 3rd mount call)', program: 'mount', at: 3, repack: 'reuse' },
  { stage: 'manifest (dpkg-query)', program: 'dpkg-query', at: 1, repack: 'reuse' },
  { stage: 'pack the changes (mksquashfs, block reuse)', program: 'mksquashfs', at: 1, repack: 'reuse' },
  { stage: 'write ISO (xorriso)', program: 'xorriso', at: 1, repack: 'reuse' },
  { stage: 'verify (unsquashfs -s)', program: 'unsquashfs', at: 1, repack: 'reuse' },
  { stage: 'unpack (unsquashfs, full repack)', program: 'unsquashfs', at: 1, repack: 'full' },
  { stage: 'layer size (du, full repack)', program: 'du', at: 1, repack: 'full' },
  { stage: 'repack (mksquashfs, full repack)', program: 'mksquashfs', at: 1, repack: 'full' },
  {
    stage: 'repack of the base layer from its merged view (mksquashfs, full repack)',
    program: 'mksquashfs',
    at: 1,
    repack: 'full',
    layer: BASE_LAYER,
  },
] as const;

/** A stage's recipe; in the base layer a file the layer above does not carry (it has /etc/isoforge-release). */
async function writeStageRecipe(repack: 'reuse' | 'full', layer?: string): Promise<void> {
  const file = layer === BASE_LAYER ? '/etc/isoforge-base-release' : '/etc/isoforge-release';
  await writeRecipe(scene, `echo reliability > ${file}`, '', repack, layer);
}

describe('a build that succeeds leaves nothing behind', () => {
  it('control run', async () => {
    const run = build(scene);
    expect((await run.exit).code).toBe(0);
    const left = await buildLeftovers(scene);
    expect(left).toEqual({ mounts: [], processes: [] });
    expect(await countInputBytesChanged(scene)).toBe(0);
    expect(await outputsLeft(scene)).toEqual(FINISHED_OUTPUT);
  });
});

describe('SIGINT and SIGTERM inside every stage', () => {
  for (const { stage, program, at, repack, ...where } of STAGES) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`${signal} during ${stage}`, async () => {
        await writeStageRecipe(repack, 'layer' in where ? where.layer : undefined);
        const run = build(scene, await signalPath(scene, program, at, signal));
        const outcome = await buildOutcome(run);
        // Leftovers are checked (and counted) first, so the table shows a leak even when the exit code is wrong.
        const record = await checkAfterFault(`build: ${signal} during ${stage}`, [outcome]);
        expect((await run.exit).code, run.lines.join('\n')).toBe(signal === 'SIGINT' ? 130 : 143);
        expect(record.buildsInterrupted).toBe(1);
        expect(run.lines.join('\n')).toMatch(/interrupted by SIG(INT|TERM)/);
      });
    }
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} in the middle of a chroot command (its background children too)`, async () => {
      await writeRecipe(scene, 'echo CHROOT-STEP-RUNNING\nsleep 300 &\nsleep 301');
      const run = build(scene);
      await run.waitFor(/CHROOT-STEP-RUNNING/);
      run.child.kill(signal);
      const record = await checkAfterFault(`build: ${signal} mid chroot command`, [await buildOutcome(run)]);
      expect((await run.exit).code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(record.buildsInterrupted).toBe(1);
    });
  }
});

describe('SIGKILL inside a stage: the next build recovers and succeeds', () => {
  for (const { stage, program, at, repack, ...where } of STAGES.filter((s) =>
    ['unsquashfs', 'mksquashfs', 'xorriso'].includes(s.program),
  )) {
    it(`SIGKILL during ${stage}`, async () => {
      await writeStageRecipe(repack, 'layer' in where ? where.layer : undefined);
      const killed = build(scene, await signalPath(scene, program, at, 'SIGKILL'));
      const killedOutcome = await buildOutcome(killed);
      expect((await killed.exit).signal).toBe('SIGKILL');
      const next = build(scene);
      const nextOutcome = await buildOutcome(next);
      expect((await next.exit).code, next.lines.join('\n')).toBe(0);
      const record = await checkAfterFault(`build: SIGKILL during ${stage} + next build`, [
        killedOutcome,
        nextOutcome,
      ]);
      expect(record.buildsInterrupted).toBe(1);
    });
  }

  it('SIGKILL in the middle of a chroot command', async () => {
    await writeRecipe(scene, 'echo CHROOT-STEP-RUNNING\nsleep 300 &\nsleep 301');
    const killed = build(scene);
    await killed.waitFor(/CHROOT-STEP-RUNNING/);
    killed.child.kill('SIGKILL');
    const killedOutcome = await buildOutcome(killed);
    const leftByKill = (await buildLeftovers(scene)).mounts;
    expect(leftByKill.length).toBeGreaterThan(0);
    await writeRecipe(scene, 'echo reliability > /etc/isoforge-release');
    const next = build(scene);
    const nextOutcome = await buildOutcome(next);
    expect((await next.exit).code, next.lines.join('\n')).toBe(0);
    expect(next.lines.join('\n')).toContain(
      `undid ${leftByKill.length} mounts a killed run left: ${leftByKill.join(', ')}`,
    );
    await checkAfterFault('build: SIGKILL mid chroot command + next build', [killedOutcome, nextOutcome]);
  });
});
