import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runXorrisoReport } from '../../src/tools/xorriso.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

// A real ISO isoforge did not make: isolinux for BIOS, an EFI image, an isohybrid MBR.
const IPXE = '/usr/lib/ipxe/ipxe.iso';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-cli-'));
});

describe('isoforge inspect flags', () => {
  it('--json prints one document with El Torito, MBR and the menu with its timeout', async () => {
    const run = await runIsoforge(['inspect', IPXE, '--json']);
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.volumeId).toBe('ISOIMAGE');
    expect(report.eltorito.map((e: { platform: string; path: string }) => [e.platform, e.path])).toEqual([
      ['bios', '/isolinux.bin'],
      ['uefi', '/efi.img'],
    ]);
    expect(report.mbr).toEqual([{ index: 1, bootable: true, type: '0x17', start: 0, sectors: 4096 }]);
    expect(report.bootMenus).toEqual([
      {
        file: '/isolinux.cfg',
        loader: 'isolinux',
        entries: [{ title: 'ipxe.lkrn', kernel: 'ipxe.krn', initrd: null, cmdline: null }],
        timeoutSeconds: null,
      },
    ]);
  });

  it('--map prints the sector map: system area, then the ISO 9660 file system to the end', async () => {
    const run = await runIsoforge(['inspect', IPXE, '--map']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n').slice(1)).toEqual([
      expect.stringMatching(/^\s+0\s+63\s+64\s+32\.0 KiB\s+#\.+\s+System area: MBR, GPT, boot code$/),
      expect.stringMatching(/^\s+64\s+4095\s+4032\s+2\.0 MiB\s+#+\s+ISO 9660 file system \(MBR 0x17\)$/),
    ]);
  });

  it('--svg FILE writes the picture and says where', async () => {
    const svg = join(dir, 'ipxe.svg');
    const run = await runIsoforge(['inspect', IPXE, '--svg', svg]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^sector map written to ${svg}$`, 'm'));
    const picture = await readFile(svg, 'utf8');
    expect(picture).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(picture).toContain(`ISOIMAGE (${IPXE})`);
    expect(picture.trimEnd()).toMatch(/<\/svg>$/);
  });

  it('--mkisofs prints what xorriso -report_el_torito as_mkisofs prints, line for line', async () => {
    const run = await runIsoforge(['inspect', IPXE, '--mkisofs']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')).toEqual((await runXorrisoReport(IPXE)).elToritoAsMkisofs);
  });
});

describe('isoforge sample flags', () => {
  it('--out writes a copy of the cached sample, and --force replaces an existing one', async () => {
    const cached = await ensureSampleIso();
    const out = join(dir, 'made', 'sample.iso');
    const first = await runIsoforge(['sample', '--out', out]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${out} ready in \\d+\\.\\ds \\(from cache\\)$`));
    await writeFile(out, 'stale\n');
    const forced = await runIsoforge(['sample', '--out', out, '--force']);
    expect(forced.exitCode).toBe(0);
    expect((await stat(out)).size).toBe((await stat(cached)).size);
  });

  it('refuses an existing --out without --force (exit 2), and leaves the file alone', async () => {
    const out = join(dir, 'existing.iso');
    await writeFile(out, 'not to be replaced\n');
    const run = await runIsoforge(['sample', '--out', out]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(`isoforge: error: output ${out} already exists (pass --force to replace it)`);
    expect(await readFile(out, 'utf8')).toBe('not to be replaced\n');
  });
});

describe('isoforge boot-test arguments', () => {
  it('names an unknown firmware in a list and the allowed ones (exit 2, nothing booted)', async () => {
    const run = await runIsoforge(['boot-test', IPXE, '--firmware', 'bios,efi']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      "isoforge: error: unknown firmware 'efi' (use one of: bios, uefi, uefi-secureboot, all (or a comma-separated list))",
    );
  });

  it('names an unknown medium', async () => {
    const run = await runIsoforge(['boot-test', IPXE, '--media', 'dvd']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      "isoforge: error: unknown media 'dvd' (use one of: cdrom, usb, loopback, all (cdrom,usb) (or a comma-separated list))",
    );
  });

  it('accepts only the four milestones for --until, and not together with --expect', async () => {
    const bad = await runIsoforge(['boot-test', IPXE, '--until', 'desktop']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(
      /^error: option '--until <milestone>' argument 'desktop' is invalid\. Allowed choices are bootloader, kernel, init, login\./,
    );
    const both = await runIsoforge(['boot-test', IPXE, '--until', 'kernel', '--expect', 'iPXE']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(
      /^error: option '--until <milestone>' cannot be used with option '--expect <regex>'/,
    );
  });
});
