import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BootResult, type Firmware, type Media, runBootTest } from '../../src/boottest/index.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

// The medium's own customization (iso:) on the sample, booted: kernel arguments added and removed,
// a NoCloud autoinstall seed with its own default menu entry, and a menu timeout. The sample's
// init checks what casper and subiquity would (seed at the path ds= names, hashes from md5sum.txt,
// the casper UUID) and prints it on the marker line.
const TIMEOUT = 300_000;
const OEM_ARGUMENT = 'isoforge.oem=fleet-a';
const STALE_ARGUMENT = 'isoforge.stale=1';
let dir: string;
let output: string;

async function build(name: string, recipe: string): Promise<void> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, recipe);
  const run = await runIsoforge(['build', file, '--workdir', join(dir, `work-${name}`)]);
  expect(run.exitCode, run.stderr).toBe(0);
}

async function bootedKernelRelease(result: BootResult): Promise<string | undefined> {
  return /Linux version (\S+)/.exec(await readFile(result.logFile, 'utf8'))?.[1];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-e2e-medium-'));
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await mkdir(join(dir, 'autoinstall'));
  await copyFile(
    new URL('../../examples/autoinstall/user-data.yaml', import.meta.url),
    join(dir, 'autoinstall/user-data.yaml'),
  );
  // A first remaster leaves an argument behind, for the second to remove.
  await build(
    'stale',
    `input: sample.iso\noutput: stale.iso\niso:\n  cmdline: { add: [${STALE_ARGUMENT}] }\n`,
  );
  await build(
    'auto',
    `input: stale.iso
output: auto.iso
iso:
  cmdline:
    add: [${OEM_ARGUMENT}]
    remove: [isoforge.stale=]
  menu:
    timeout: 2
    default: Install automatically
  autoinstall:
    userData: autoinstall/user-data.yaml
`,
  );
  output = join(dir, 'auto.iso');
}, TIMEOUT);

describe('iso: kernel arguments, menu and autoinstall seed on the sample', () => {
  it('writes the seed, the new default entry and a 2 s timeout into grub.cfg and loopback.cfg', async () => {
    const { bootMenus } = await inspectIso(output);
    const grubMenus = bootMenus.filter((menu) => menu.loader === 'grub' && menu.entries.length);
    expect(grubMenus.map((menu) => menu.file).sort()).toEqual([
      '/boot/grub/grub.cfg',
      '/boot/grub/loopback.cfg',
    ]);
    for (const menu of grubMenus) {
      expect(menu.timeoutSeconds).toBe(2);
      const auto = menu.entries.find((entry) => entry.title === 'Install automatically');
      expect(auto?.cmdline).toContain('autoinstall ds=nocloud\\;s=/cdrom/nocloud/');
      for (const entry of menu.entries.filter((e) => e.kernel === '/casper/vmlinuz')) {
        expect(entry.cmdline).toContain(OEM_ARGUMENT);
        expect(entry.cmdline).not.toContain(STALE_ARGUMENT);
      }
    }
    await using image = await IsoImage.open(output);
    expect(await image.readText('/nocloud/user-data')).toBe(
      await readFile(join(dir, 'autoinstall/user-data.yaml'), 'utf8'),
    );
    expect(await image.readText('/nocloud/meta-data')).toBe('');
    expect((await runIsoforge(['verify', output, '--original', join(dir, 'sample.iso')])).exitCode).toBe(0);
  });

  it.each([
    ['bios', 'cdrom'],
    ['uefi', 'cdrom'],
    ['bios', 'usb'],
    ['uefi', 'usb'],
    ['uefi', 'loopback'],
  ] as [Firmware, Media][])(
    '%s/%s boots the autoinstall entry unattended: new argument, no stale one, seed=ok uuid=ok',
    async (firmware, media) => {
      const result = await runBootTest({
        iso: output,
        firmware,
        media,
        menuTimeoutSeconds: 2,
        logDir: join(dir, 'boots'),
      });
      const marker = result.matched ?? '';
      expect(marker, `console tail:\n${result.tail.join('\n')}`).toMatch(/^ISOFORGE-SAMPLE-BOOT ok /);
      const cmdline = / cmdline=(.*) kernels=/.exec(marker)?.[1]?.split(' ') ?? [];
      expect(cmdline).toContain(OEM_ARGUMENT);
      expect(cmdline).toContain('autoinstall');
      expect(cmdline).toContain('ds=nocloud;s=/cdrom/nocloud/');
      expect(cmdline).not.toContain(STALE_ARGUMENT);
      // Through loopback.cfg casper finds the ISO file by iso-scan and skips its UUID check.
      expect(marker).toMatch(media === 'loopback' ? / seed=ok uuid=\w+ / : / seed=ok uuid=ok /);
      expect(marker.split(' uname=')[1]?.split(' ')[0]).toBe(await bootedKernelRelease(result));
    },
    TIMEOUT,
  );
});
