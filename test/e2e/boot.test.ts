import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCopyWithoutElToritoEfi } from '../../src/boottest/esp-only.ts';
import { type BootResult, runBootTest } from '../../src/boottest/index.ts';
import { runXorriso } from '../../src/tools/xorriso.ts';
import { runIsoforge } from '../support/cli.ts';
import { readPngSize } from '../support/png.ts';
import { ensureSampleIso } from '../support/sample.ts';

// Each boot is tens of seconds of software emulation: the modes below are the ones that matter.
const TIMEOUT = 240_000;
const SAMPLE_RELEASE =
  /ISOFORGE-SAMPLE-BOOT ok release=ubuntu-server-minimal\.ubuntu-server cmdline=\S*\/casper\/vmlinuz/;
let logDir: string;

beforeAll(async () => {
  logDir = await mkdtemp(join(tmpdir(), 'isoforge-e2e-'));
});

describe('the sample boots through firmware, GRUB, kernel and initrd to its stacked layers', () => {
  // Two boots at once (vitest maxConcurrency): one QEMU per core.
  it.concurrent.each([
    ['bios', 'cdrom'],
    ['bios', 'usb'],
    ['uefi', 'cdrom'],
    ['uefi', 'usb'],
  ] as const)(
    '%s/%s',
    async (firmware, media) => {
      const result = await runBootTest({ iso: await ensureSampleIso(), firmware, media, logDir });
      expect(result.matched, `console tail:\n${result.tail.join('\n')}`).toMatch(SAMPLE_RELEASE);
      // The screen at the moment the marker appeared, dumped by QEMU as a PNG.
      expect(result.screenshot).toBe(join(logDir, `${firmware}-${media}.png`));
      const png = await readPngSize(result.screenshot ?? '');
      expect(png.width).toBeGreaterThanOrEqual(640);
      expect(png.height).toBeGreaterThanOrEqual(400);
      expect(png.bytes).toBeGreaterThan(1000);
    },
    TIMEOUT,
  );

  it(
    'boots UEFI from the GPT EFI partition alone (El Torito EFI entry disabled in a copy)',
    async () => {
      const copy = join(logDir, 'esp-only.iso');
      expect(await makeCopyWithoutElToritoEfi(await ensureSampleIso(), copy)).toBe(1);
      const usb = await runBootTest({
        iso: copy,
        firmware: 'uefi',
        media: 'usb',
        logDir: join(logDir, 'esp-only'),
      });
      expect(usb.matched).toMatch(SAMPLE_RELEASE);
    },
    TIMEOUT,
  );

  it(
    'with --secure-boot, boots with Secure Boot enforced (shim, signed GRUB and kernel)',
    async () => {
      const result = await runBootTest({
        iso: await ensureSampleIso({ secureBoot: true }),
        firmware: 'uefi-secureboot',
        media: 'cdrom',
        logDir,
      });
      expect(result.matched).toMatch(SAMPLE_RELEASE);
    },
    TIMEOUT * 2,
  );

  it(
    'without --secure-boot, is refused by Secure Boot firmware (unsigned GRUB)',
    async () => {
      const result = await runBootTest({
        iso: await ensureSampleIso(),
        firmware: 'uefi-secureboot',
        media: 'cdrom',
        logDir: join(logDir, 'sb-refused'),
        timeoutSeconds: 120,
      });
      expect(result.passed).toBe(false);
      expect(result.tail.join('\n')).toMatch(/Access Denied|Security Violation/);
    },
    TIMEOUT,
  );
});

describe('boot-test reports failures', () => {
  it(
    'prints the fail marker when the middle layer is missing, and exits 10 with the console tail',
    async () => {
      const broken = join(logDir, 'no-middle-layer.iso');
      await runXorriso([
        '-indev',
        await ensureSampleIso(),
        '-outdev',
        broken,
        '-boot_image',
        'any',
        'replay',
        '-rm',
        '/casper/ubuntu-server-minimal.ubuntu-server.squashfs',
        '--',
        '-commit',
      ]);
      const run = await runIsoforge([
        'boot-test',
        broken,
        '--firmware',
        'bios',
        '--media',
        'cdrom',
        '--log-dir',
        join(logDir, 'broken'),
      ]);
      expect(run.exitCode).toBe(10);
      expect(run.stdout).toMatch(/bios\/cdrom\s+FAIL/);
      expect(run.stdout).toContain(
        'ISOFORGE-SAMPLE-BOOT fail reason=missing-layer:ubuntu-server-minimal.ubuntu-server.squashfs',
      );
      expect(run.stderr).toMatch(/^isoforge: error: boot failed in bios\/cdrom/m);
    },
    TIMEOUT,
  );
});

describe('boot-test works on ISOs isoforge did not make', () => {
  it(
    'ipxe.iso --until bootloader --media all: passes as CD and USB stick, the boot loader named',
    async () => {
      const run = await runIsoforge([
        'boot-test',
        '/usr/lib/ipxe/ipxe.iso',
        '--until',
        'bootloader',
        '--media',
        'all',
        '--json',
        '--log-dir',
        join(logDir, 'ipxe-until'),
      ]);
      expect(run.exitCode).toBe(0);
      const { results } = JSON.parse(run.stdout);
      expect(results.map((r: BootResult) => [r.media, r.passed, r.milestone, r.end])).toEqual([
        ['cdrom', true, 'bootloader', 'passed'],
        ['usb', true, 'bootloader', 'passed'],
      ]);
      expect(results[0].matched).toMatch(/^ISOLINUX 6\.04 /);
    },
    TIMEOUT,
  );

  it(
    'ipxe.iso without --expect: reports the boot loader reached, then firmware with nothing to boot (exit 10)',
    async () => {
      const run = await runIsoforge([
        'boot-test',
        '/usr/lib/ipxe/ipxe.iso',
        '--timeout',
        '120',
        '--log-dir',
        join(logDir, 'ipxe'),
      ]);
      expect(run.exitCode).toBe(10);
      expect(run.stdout).toMatch(
        /^bios\/cdrom\s+FAIL\s+bootloader\s+stopped on a failure line after reaching bootloader\s+\d/m,
      );
      expect(run.stdout).toContain('No bootable device.');
      expect(run.stderr).toMatch(
        /^isoforge: error: boot failed in bios\/cdrom \(stopped on a failure line after reaching bootloader\)/,
      );
    },
    TIMEOUT,
  );

  it(
    'grub-rescue-cdrom.iso without --expect: stopped at a boot menu, not a timeout',
    async () => {
      // Its default entry fails (no kernel), and GRUB shows the menu again without a countdown.
      const run = await runIsoforge([
        'boot-test',
        '/usr/lib/grub-rescue/grub-rescue-cdrom.iso',
        '--timeout',
        '400',
        '--log-dir',
        join(logDir, 'grub-menu'),
      ]);
      expect(run.exitCode).toBe(10);
      expect(run.stdout).toMatch(/^bios\/cdrom\s+FAIL\s+bootloader\s+stopped at a boot menu\s+\d/m);
      expect(run.stdout).toContain("Press enter to boot the selected OS, `e' to edit the commands");
    },
    TIMEOUT * 2,
  );

  it(
    'grub-rescue-cdrom.iso: the GRUB menu appears (BIOS, USB)',
    async () => {
      const run = await runIsoforge([
        'boot-test',
        '/usr/lib/grub-rescue/grub-rescue-cdrom.iso',
        '--media',
        'usb',
        '--expect',
        'GNU GRUB +version 2',
        '--timeout',
        '120',
        '--log-dir',
        join(logDir, 'grub'),
      ]);
      expect(run.stdout).toMatch(/bios\/usb\s+pass/);
      expect(run.exitCode).toBe(0);
    },
    TIMEOUT,
  );
});
