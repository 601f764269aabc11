import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BootResult, runBootTest } from '../../src/boottest/index.ts';
import { makeStickIsoName } from '../../src/boottest/loopback.ts';
import { ensureSampleIso } from '../support/sample.ts';

// Each boot is tens of seconds of software emulation (a minute and more on shared cores).
const TIMEOUT = 300_000;
let logDir: string;

beforeAll(async () => {
  logDir = await mkdtemp(join(tmpdir(), 'isoforge-e2e-loopback-'));
});

/** The release the kernel printed in its banner: what the init's uname -r must report. */
async function bootedKernelRelease(result: BootResult): Promise<string | undefined> {
  return /Linux version (\S+)/.exec(await readFile(result.logFile, 'utf8'))?.[1];
}

describe('the sample through a GRUB stick that loop-mounts the ISO file (boot-test --media loopback)', () => {
  it.each(['uefi', 'bios'] as const)(
    '%s/loopback: the stick GRUB sources loopback.cfg, the init finds the ISO by iso-scan/filename=',
    async (firmware) => {
      const iso = await ensureSampleIso();
      const result = await runBootTest({ iso, firmware, media: 'loopback', logDir });
      const tail = `console tail:\n${result.tail.join('\n')}`;
      expect(result.matched, tail).toMatch(
        /^ISOFORGE-SAMPLE-BOOT ok release=ubuntu-server-minimal\.ubuntu-server /,
      );
      expect(result.matched).toContain(` iso-scan/filename=/${makeStickIsoName(iso)} `);
      expect(result.matched).toMatch(/ kernels=linux-image-\S+ seed=none uuid=ok uname=\S+ chain=\S+ /);
      expect(result.matched?.split(' uname=')[1]?.split(' ')[0]).toBe(await bootedKernelRelease(result));
      // The stick (a whole copy of the ISO) lives only as long as the boot.
      expect(await readdir(logDir)).not.toContain(`${firmware}-loopback.stick.img`);
    },
    TIMEOUT,
  );
});
