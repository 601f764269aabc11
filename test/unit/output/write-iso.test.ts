import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  describeSetupChanges,
  makeWriteSetupArgs,
  planWriteSetup,
  STANDARD_SETUP,
} from '../../../src/output/write-setup.ts';
import {
  makeExplicitArgs,
  makeExplicitBootArgs,
  makeReplayArgs,
  splitMkisofsLines,
} from '../../../src/output/write-iso.ts';
import { parseXorrisoProgress } from '../../../src/tools/xorriso.ts';

// The official ubuntu-22.04.5-live-server-amd64.iso's own report (the seed guide quotes it).
const REPORT = 'test/fixtures/ubuntu-reference/report_el_torito_as_mkisofs.txt';
const ISO = 'ubuntu-22.04.5-live-server-amd64.iso';

describe('explicit boot arguments from the official report', () => {
  it("are the guide's arguments: MBR and EFI read from the original, EFI entry relative to its partition", async () => {
    const lines = (await readFile(REPORT, 'utf8')).split('\n').filter(Boolean);
    expect(makeExplicitBootArgs(lines)).toEqual([
      '--grub2-mbr',
      `--interval:local_fs:0s-15s:zero_mbrpt,zero_gpt:${ISO}`,
      '--protective-msdos-label',
      '-partition_cyl_align',
      'off',
      '-partition_offset',
      '16',
      '--mbr-force-bootable',
      '-append_partition',
      '2',
      '28732ac11ff8d211ba4b00a0c93ec93b',
      `--interval:local_fs:4162948d-4173019d::${ISO}`,
      '-appended_part_as_gpt',
      '-iso_mbr_part_type',
      'a2a0d0ebe5b9334487c068b6b72699c7',
      '-c',
      '/boot.catalog',
      '-b',
      '/boot/grub/i386-pc/eltorito.img',
      '-no-emul-boot',
      '-boot-load-size',
      '4',
      '-boot-info-table',
      '--grub2-boot-info',
      '-eltorito-alt-boot',
      '-e',
      '--interval:appended_partition_2:all::',
      '-no-emul-boot',
      '-boot-load-size',
      '10072',
    ]);
  });

  it('reads shell quoting, escaped quotes included', () => {
    expect(splitMkisofsLines([`-V 'it'"'"'s here' --x:'a b'`])).toEqual(['-V', "it's here", '--x:a b']);
  });

  it('explicit mode discards the replayed boot setup and commits after the -as mkisofs arguments', async () => {
    const lines = (await readFile(REPORT, 'utf8')).split('\n').filter(Boolean);
    const changes = { replace: [{ isoPath: '/casper/x', localPath: '/tmp/x' }], remove: ['/casper/x.gpg'] };
    const standard = makeWriteSetupArgs(STANDARD_SETUP, true);
    const args = makeExplicitArgs(ISO, 'out.iso', changes, standard, lines);
    expect(args.join(' ')).toMatch(
      /-boot_image any discard -joliet on .* -rm_r \/casper\/x\.gpg -- -map \/tmp\/x \/casper\/x -as mkisofs -iso-level 3 --grub2-mbr .* -boot-load-size 10072 -- -commit$/,
    );
    const plain = makeWriteSetupArgs({ joliet: false, gapPartition: false, emulatedToc: false }, false);
    expect(makeReplayArgs(ISO, 'out.iso', changes, plain).join(' ')).toMatch(
      /-indev \S+ -outdev out\.iso -boot_image any replay -compliance no_emul_toc -padding included -rm_r/,
    );
  });
});

describe('the setup modification mode decides itself', () => {
  it('keeps a plain replay rewrite as it is: no Joliet, its emulated TOC, no padding to make a gap of', () => {
    const replayed = { joliet: false, gapPartition: false, emulatedToc: true };
    expect(makeWriteSetupArgs(replayed, true)).toEqual([]);
    expect(makeWriteSetupArgs(STANDARD_SETUP, true)).toEqual([
      '-joliet',
      'on',
      '-compliance',
      'no_emul_toc',
      '-padding',
      'included',
    ]);
  });

  it('names what restoring the standard setup changes', () => {
    const replayed = { joliet: false, gapPartition: false, emulatedToc: true };
    expect(describeSetupChanges(replayed, planWriteSetup(replayed, true))).toEqual([
      'Joliet tree added',
      'gap partition added',
      'emulated TOC dropped',
    ]);
    expect(describeSetupChanges(replayed, planWriteSetup(replayed, false))).toEqual([]);
  });
});

describe('xorriso progress lines', () => {
  it('reads the percentage of UPDATE lines only', () => {
    expect(
      parseXorrisoProgress('xorriso : UPDATE :  31.25% done, estimate finish Tue Nov 25 06:00:00 2026'),
    ).toBe(31.25);
    expect(parseXorrisoProgress('xorriso : UPDATE :  1 files added in 1 seconds')).toBeNull();
  });
});
