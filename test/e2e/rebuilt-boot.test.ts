import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

// ISOs isoforge rebuilt, booted: one build per ISO, a few boots each (every boot is tens of seconds).
const TIMEOUT = 900_000;
const TOP = 'ubuntu-server-minimal.ubuntu-server';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-rebuilt-boot-'));
});

/** Copies SAMPLE next to a one-step recipe that changes the release file, builds it, returns the ISO. */
async function buildMarked(sample: string, name: string, extraArgs: readonly string[]): Promise<string> {
  const input = join(dir, `${name}-input.iso`);
  await writeFile(input, await readFile(sample));
  const recipe = join(dir, `${name}.yaml`);
  await writeFile(
    recipe,
    `input: ${name}-input.iso
output: out/${name}.iso
layers:
  ${TOP}:
    steps:
      - run: echo ${name} > /etc/isoforge-release
`,
  );
  const run = await runIsoforge(['build', recipe, '--workdir', join(dir, `work-${name}`), ...extraArgs]);
  expect(run.exitCode, run.stderr).toBe(0);
  return join(dir, `out/${name}.iso`);
}

describe('--boot-setup explicit (xorriso -as mkisofs with the derived boot options)', () => {
  let iso: string;

  beforeAll(async () => {
    iso = await buildMarked(await ensureSampleIso(), 'explicit-built', ['--boot-setup', 'explicit']);
  }, TIMEOUT);

  // test/integration/build.test.ts boots the explicit build from USB in BIOS and UEFI mode; these are
  // the CD-ROM paths: El Torito's BIOS image with its boot info table, and the EFI entry that points
  // into the appended partition.
  it.each([
    ['bios', 'cdrom'],
    ['uefi', 'cdrom'],
  ] as const)(
    'boots %s/%s to the changed layer',
    async (firmware, media) => {
      const result = await runBootTest({ iso, firmware, media, logDir: join(dir, 'boot-explicit') });
      expect(result.matched, result.tail.join('\n')).toMatch(
        /ISOFORGE-SAMPLE-BOOT ok release=explicit-built /,
      );
    },
    TIMEOUT,
  );
});

describe('Secure Boot on a rebuilt ISO', () => {
  it(
    'the --secure-boot sample, rebuilt, still boots with Secure Boot enforced (shim, signed GRUB and kernel)',
    async () => {
      const iso = await buildMarked(await ensureSampleIso({ secureBoot: true }), 'secureboot-built', []);
      const result = await runBootTest({
        iso,
        firmware: 'uefi-secureboot',
        media: 'cdrom',
        logDir: join(dir, 'boot-secureboot'),
      });
      expect(result.matched, result.tail.join('\n')).toMatch(
        /ISOFORGE-SAMPLE-BOOT ok release=secureboot-built /,
      );
    },
    TIMEOUT * 2,
  );
});
