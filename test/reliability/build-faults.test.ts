import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { runMount } from '../../src/tools/mount.ts';
import { listLayer, readFromLayer } from '../support/layer.ts';
import { decoyIntact, disposeScene, drive } from './support/driver.ts';
import { measureFault, sha256, snapshotOutputs, type RunOutcome } from './support/measure.ts';
import {
  BIN,
  build,
  buildLeftovers,
  buildOutcome,
  LAYER,
  makeBuildScene,
  outputsLeft,
  writeRecipe,
  type BuildScene,
} from './support/build-scene.ts';

/**
 * Guarantees 2, 4, 6 and 9 on real builds: a decoy mount in the work tree, a work dir too small to
 * start, a disk that fills up mid-build, an image whose /etc is a symlink, a recipe path leading out
 * of its folder, a failing chroot command, bad input. Each ends with one clear error line, the
 * documented exit code, nothing mounted, the input unchanged and no output.
 */
let scene: BuildScene;

beforeEach(async () => {
  scene = await makeBuildScene();
  await writeRecipe(scene, 'echo reliability > /etc/isoforge-release');
});
afterEach(async () => {
  await disposeScene(scene);
});

/**
 * Counts and records what the check left, then asserts the guarantees on those same counts.
 * INJECTED: whether the test made the build fail on purpose (false for a build that must succeed).
 */
async function checkFailedCleanly(
  fault: string,
  runs: RunOutcome[],
  { injected, workDir = scene.work }: { injected: boolean; workDir?: string },
) {
  const record = await measureFault(scene, fault, runs, { final: 'out.iso', work: workDir, injected });
  expect(await buildLeftovers(scene, workDir)).toEqual({ mounts: [], processes: [] });
  expect(record.mountsLeaked).toBe(0);
  expect(record.inputBytesChanged).toBe(0);
  expect(record.partialOutputNames).toEqual([]);
  return record;
}

function errorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => line.startsWith('isoforge: error:'));
}

describe('deletion and mounts', () => {
  it('a decoy bind-mounted in the work tree is undone and reported by the next build; a failed build keeps its files', async () => {
    await mkdir(join(scene.work, '.isoforge'), { recursive: true });
    await mkdir(join(scene.work, 'layers', 'decoy'), { recursive: true });
    await runMount({ source: scene.decoy, target: join(scene.work, 'layers', 'decoy'), bind: true });
    await writeRecipe(scene, 'echo about to fail\nexit 3');
    const run = build(scene);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code).toBe(5);
    expect(run.lines.join('\n')).toContain(
      `undid 1 mounts a killed run left: ${join(scene.work, 'layers', 'decoy')}`,
    );
    expect(await decoyIntact(scene)).toBe(true);
    expect(errorLines(run.lines)).toHaveLength(1);
    const record = await checkFailedCleanly(
      'build: decoy mount in the work tree + failing chroot command',
      [outcome],
      { injected: true },
    );
    expect(record.buildsInterrupted).toBe(1);
  });
});

describe('disk space', () => {
  async function smallWorkDir(size: string): Promise<string> {
    const mountPoint = join(scene.dir, 'small');
    await mkdir(mountPoint);
    await runMount({
      source: 'isoforge-reliability',
      target: mountPoint,
      fstype: 'tmpfs',
      options: [`size=${size}`],
    });
    return join(mountPoint, 'work');
  }

  it('refuses to start (exit 7) with both numbers when the work dir is too small', async () => {
    const work = await smallWorkDir('32m');
    const run = build(scene, {}, work);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code).toBe(7);
    const [line] = errorLines(run.lines);
    expect(line).toMatch(/needs about [\d.]+ MiB, [\d.]+ MiB free/);
    const record = await checkFailedCleanly('build: work dir too small', [outcome], {
      injected: true,
      workDir: work,
    });
    expect(record).toMatchObject({ buildsInterrupted: 0, refusedBeforeWork: 1 });
  });

  it('fails cleanly when the disk fills up mid-build (ENOSPC while repacking)', async () => {
    const work = await smallWorkDir('200m');
    // The estimate passes (the layer is small), then the chroot writes 110 MiB of noise: the
    // repacked layer no longer fits next to the unpacked one.
    await writeRecipe(scene, 'head -c 110M /dev/urandom > /opt/noise');
    const run = build(scene, {}, work);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code, run.lines.join('\n')).toBe(ExitCode.noSpace);
    const errors = errorLines(run.lines);
    expect(errors, run.lines.join('\n')).toHaveLength(1);
    expect(errors[0]).toMatch(/^isoforge: error: mksquashfs ran out of disk space: /);
    const record = await checkFailedCleanly('build: ENOSPC mid-build on a small tmpfs', [outcome], {
      injected: true,
      workDir: work,
    });
    expect(record.buildsInterrupted).toBe(1);
  });
});

describe('recipes cannot reach out of the image or their folder', () => {
  it('a rootfs whose /etc becomes a symlink to /host-etc: the copy lands inside the image, never on the host', async () => {
    const hostEtc = '/host-etc';
    expect(await stat(hostEtc).catch(() => undefined)).toBeUndefined();
    const canary = join(scene.dir, 'host-canary');
    await writeFile(canary, 'host file\n');
    await writeRecipe(
      scene,
      'echo reliability > /etc/isoforge-release',
      [
        '      - run: |',
        '          mv /etc /host-etc && ln -s /host-etc /etc',
        `          ln -s ${canary} /host-etc/motd`,
        '      - copy: { src: files/oem.conf, dest: /etc/motd }',
      ].join('\n'),
    );
    await snapshotOutputs(scene);
    const run = build(scene);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code, run.lines.join('\n')).toBe(0);
    // The copy replaced the image's symlink /host-etc/motd inside the image, with the recipe's file.
    expect(await readFromLayer(scene.out, LAYER, 'host-etc/motd')).toBe('from the recipe\n');
    const hostTouched = await stat(hostEtc).then(
      () => true,
      () => false,
    );
    if (hostTouched) await rm(hostEtc, { recursive: true, force: true });
    expect(hostTouched).toBe(false);
    expect(await readFile(canary, 'utf8')).toBe('host file\n');
    // A hostile recipe the build must carry out safely and finish: nothing is made to fail, no fault.
    const record = await checkFailedCleanly(
      'build: /etc symlinked to /host-etc, writes through image symlinks',
      [outcome],
      { injected: false },
    );
    expect(record).toMatchObject({ buildsInterrupted: 0, refusedBeforeWork: 0 });
  });

  it('a recipe path leading out of the recipe folder is refused (exit 6) before anything is mounted', async () => {
    await writeFile(join(scene.dir, 'secret'), 'outside the recipe folder');
    await writeFile(
      scene.recipe,
      (await readFile(scene.recipe, 'utf8')).replace('files/oem.conf', '../secret'),
    );
    const run = build(scene);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code).toBe(6);
    expect(errorLines(run.lines)[0]).toMatch(/leads out of the recipe folder/);
    const record = await checkFailedCleanly('build: recipe path ../secret', [outcome], { injected: true });
    expect(record.refusedBeforeWork).toBe(1);
  });
});

describe('bad input ends with one error line and nothing mounted', () => {
  it('not an ISO (exit 2)', async () => {
    const notAnIso = 'this is not an ISO image\n'.repeat(4096);
    scene.pristineInput = join(scene.dir, 'pristine-not-an-iso');
    await writeFile(scene.pristineInput, notAnIso);
    await writeFile(scene.inputFile, notAnIso);
    scene.inputSha256 = await sha256(scene.inputFile);
    const run = build(scene);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code).toBe(2);
    expect(errorLines(run.lines)).toHaveLength(1);
    const record = await checkFailedCleanly('build: input is not an ISO', [outcome], { injected: true });
    expect(record.refusedBeforeWork).toBe(1);
  });

  it('a recipe naming a missing layer (exit 2)', async () => {
    await writeFile(
      scene.recipe,
      (await readFile(scene.recipe, 'utf8')).replace(
        'ubuntu-server-minimal.ubuntu-server:',
        'no-such-layer:',
      ),
    );
    const run = build(scene);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code).toBe(2);
    expect(errorLines(run.lines)).toHaveLength(1);
    const record = await checkFailedCleanly('build: recipe names a missing layer', [outcome], {
      injected: true,
    });
    expect(record.refusedBeforeWork).toBe(1);
  });
});

describe('the chroot does not harm the image', () => {
  it('starts no services, and leaves resolv.conf, machine-id, SSH host keys, /tmp, logs and history as they were', async () => {
    await writeRecipe(
      scene,
      [
        'rc=0; /usr/sbin/policy-rc.d || rc=$?; echo POLICY-RC-D=$rc',
        'echo 0123456789abcdef0123456789abcdef > /etc/machine-id',
        'mkdir -p /etc/ssh /var/log && echo key > /etc/ssh/ssh_host_ed25519_key',
        'echo junk > /tmp/junk && echo junk > /var/log/build.log && echo history > /root/.bash_history',
        'echo nameserver 10.9.9.9 > /etc/resolv.conf',
      ].join('\n'),
    );
    const run = build(scene);
    const outcome = await buildOutcome(run);
    expect((await run.exit).code, run.lines.join('\n')).toBe(0);
    expect(run.lines.join('\n')).toContain('POLICY-RC-D=101');
    const watched =
      /^\S+ \S+ \/(etc\/resolv\.conf|etc\/machine-id|var\/lib\/dbus\/machine-id|usr\/sbin\/policy-rc\.d|etc\/ssh\/ssh_host_|tmp\/.|var\/log\/.|root\/\.bash_history)/;
    const original = [...(await listLayer(scene.inputFile, LAYER)).values()];
    const rebuiltEntries = await listLayer(scene.out, LAYER);
    const rebuilt = [...rebuiltEntries.values()];
    // the listing is read for real
    expect(rebuiltEntries.get('/etc/isoforge-release')).toBe('-rw-r--r-- 0/0 /etc/isoforge-release');
    const before = original.filter((line) => watched.test(line));
    const after = rebuilt.filter((line) => watched.test(line));
    // A successful build checked for what its chroot changed: no fault.
    await checkFailedCleanly(
      'build: chroot writes machine-id, host keys, resolv.conf, /tmp, logs',
      [outcome],
      { injected: false },
    );
    expect(after).toEqual(before);
  });
});

describe('an existing output', () => {
  it('is refused without --force (exit 2), and a failing --force build leaves it byte for byte', async () => {
    await writeFile(scene.out, 'the previous output\n');
    await snapshotOutputs(scene);
    const refused = build(scene);
    const refusedOutcome = await buildOutcome(refused);
    expect((await refused.exit).code).toBe(2);
    expect(errorLines(refused.lines)[0]).toMatch(/already exists.*--force/);
    await writeRecipe(scene, 'exit 3');
    const failed = drive([BIN, 'build', scene.recipe, '--workdir', scene.work, '--force']);
    const failedOutcome = await buildOutcome(failed);
    expect((await failed.exit).code).toBe(5);
    expect(await readFile(scene.out, 'utf8')).toBe('the previous output\n');
    const record = await checkFailedCleanly(
      'build: existing output, without and with --force (failing)',
      [refusedOutcome, failedOutcome],
      { injected: true },
    );
    expect(record).toMatchObject({ buildsInterrupted: 1, refusedBeforeWork: 1 });
    // Only the previous output, which no build wrote: no report beside it.
    expect(await outputsLeft(scene)).toEqual(['out.iso']);
  });
});
