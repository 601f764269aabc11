import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedIsoforge } from '../../scripts/pack-install.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { SQUASHFUSE } from '../../src/tools/mount.ts';
import { ensureRootlessUser, ROOTLESS_USER, rootlessProcesses } from '../support/rootless-user.ts';
import { ensureSampleIso } from '../support/sample.ts';
import { drive, type Driven } from './support/driver.ts';
import { measureFault, outcomeOf, sha256, snapshotOutputs, type Measured } from './support/measure.ts';

/**
 * A rootless build (an ordinary user with a subordinate id range) SIGKILLed at three moments: with
 * its layers mounted through squashfuse, while a step runs apt in the sandbox, and while xorriso
 * writes the ISO. The kill hits the outer isoforge process, as a CI runner's timeout does. Nothing
 * may be left: no process of the user or its subordinate ids, no squashfuse, no mount, no change to
 * the input, no partial output; and the next build in the same work dir must succeed.
 */
const TOP = 'ubuntu-server-minimal.ubuntu-server';
const TIMEOUT = 900_000;
let dir: string;
let bin: string;
let restoreFuse: () => Promise<void>;
let scene: Measured;

const RECIPE = `input: sample.iso
output: out/oem.iso
layers:
  ${TOP}:
    steps:
      - apt: { install: [tree] }
      - run: echo killed-rootless > /etc/isoforge-release
`;

function build(): Driven {
  const args = ['build', join(dir, 'oem.yaml'), '--workdir', scene.work, '--no-cache', '--force'];
  // From a folder the user may enter: the checkout's may sit below one only root reaches, and
  // every program isoforge starts is started in its working directory.
  const driven = drive(
    ['runuser', '-u', ROOTLESS_USER, '--', bin, ...args],
    { NO_COLOR: '1', HOME: join(dir, 'home'), TMPDIR: join(dir, 'tmp') },
    dir,
  );
  return driven;
}

// runuser waits for isoforge but would not pass a SIGKILL on: the kill goes to isoforge itself.
async function killIsoforgeUnder(runuser: number): Promise<void> {
  const children = await readFile(`/proc/${runuser}/task/${runuser}/children`, 'utf8');
  for (const child of children.trim().split(/\s+/).filter(Boolean)) process.kill(Number(child), 'SIGKILL');
}

beforeAll(async () => {
  restoreFuse = (await ensureRootlessUser()).restore;
  dir = await mkdtemp('/tmp/isoforge-rootless-kill-');
  await chmod(dir, 0o777);
  for (const sub of ['tmp', 'home', 'out', 'work']) await mkdir(join(dir, sub), { mode: 0o777 });
  await runCommand([
    'chmod',
    '0777',
    join(dir, 'tmp'),
    join(dir, 'home'),
    join(dir, 'out'),
    join(dir, 'work'),
  ]);
  const sample = await ensureSampleIso();
  await copyFile(sample, join(dir, 'sample.iso'));
  await chmod(join(dir, 'sample.iso'), 0o444);
  await writeFile(join(dir, 'oem.yaml'), RECIPE);
  await runCommand(['chmod', '-R', 'a+rX', join(dir, 'oem.yaml'), join(dir, 'sample.iso')]);
  bin = (await installPackedIsoforge(dir)).bin;
  scene = {
    work: join(dir, 'work'),
    inputFile: join(dir, 'sample.iso'),
    inputSha256: await sha256(join(dir, 'sample.iso')),
    pristineInput: sample,
    outDir: join(dir, 'out'),
    outputsBefore: [],
  };
}, TIMEOUT);

afterAll(async () => {
  await restoreFuse();
  await rm(dir, { recursive: true, force: true });
});

describe('a rootless build SIGKILLed', () => {
  it.each([
    ['with its layers mounted', /mounted over the layer/],
    ['while a step runs apt', /step: apt install/],
    ['while the ISO is written', /write the ISO/],
  ])(
    '%s leaves no process, no mount, no input change and no partial output; the next build succeeds',
    async (moment, when) => {
      await rm(join(scene.outDir, 'oem.iso'), { force: true });
      await snapshotOutputs(scene);
      const killed = build();
      await killed.waitFor(when);
      await killIsoforgeUnder(killed.child.pid ?? 0);
      const exit = await killed.exit;
      // The inner run ends itself when the outer one is gone: give it its clean-up.
      await expect.poll(rootlessProcesses, { timeout: 30_000, interval: 500 }).toEqual([]);
      const next = build();
      expect((await next.exit).code, next.lines.join('\n')).toBe(0);
      const record = await measureFault(
        scene,
        `SIGKILL of a rootless build ${moment}`,
        [{ ...(await outcomeOf(killed, 'build')), faulted: true }, await outcomeOf(next, 'build')],
        { final: 'oem.iso', processes: rootlessProcesses },
      );
      expect(exit.code, killed.lines.join('\n')).not.toBe(0);
      expect(record).toMatchObject({
        mountsLeaked: 0,
        inputBytesChanged: 0,
        partialOutputs: 0,
        processesLeft: 0,
      });
      const { stdout: fuse } = await runCommand(['findmnt', '-t', SQUASHFUSE, '-n'], {
        okExitCodes: [1],
      });
      expect(fuse).toBe('');
    },
    TIMEOUT,
  );
});
