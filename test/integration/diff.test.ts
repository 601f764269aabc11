import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IsoDiff } from '../../src/diff/diff.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const IPXE = '/usr/lib/ipxe/ipxe.iso';
const GRUB_RESCUE = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const TIMEOUT = 300_000;
let dir: string;

async function diffJson(a: string, b: string): Promise<{ exitCode: number; diff: IsoDiff }> {
  const run = await runIsoforge(['diff', a, b, '--json']);
  expect(run.stderr).toBe('');
  return { exitCode: run.exitCode, diff: JSON.parse(run.stdout) as IsoDiff };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-diff-'));
});

describe('isoforge diff', () => {
  it('an ISO and itself: equal, exit 0', async () => {
    const run = await runIsoforge(['diff', IPXE, IPXE]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('equal (dates aside)');
    const { exitCode, diff } = await diffJson(IPXE, IPXE);
    expect(exitCode).toBe(0);
    expect(diff.equal).toBe(true);
    expect(diff.differences).toEqual([]);
    expect(diff.files).toEqual({ added: [], removed: [], changed: [], unchecked: [] });
    expect(diff.a.bytesRead).toBeGreaterThan(0);
  });

  it('two boot setups: isolinux + EFI vs GRUB El Torito, isohybrid vs GRUB2 MBR, named', async () => {
    const { exitCode, diff } = await diffJson(IPXE, GRUB_RESCUE);
    expect(exitCode).toBe(1);
    expect(diff.differences).toEqual(['volume', 'boot', 'files', 'menus']);
    expect(diff.boot.eltorito).toEqual({
      removed: [
        'bios, bootable, emulation none, load 4, /isolinux.bin, boot-info-table',
        'uefi, bootable, emulation none, load 1728, /efi.img',
      ],
      added: [
        'bios, bootable, emulation none, load 4, /boot/grub/i386-pc/eltorito.img, boot-info-table, grub2-boot-info',
      ],
    });
    expect(diff.boot.changes).toContainEqual({ field: 'mbrBootCode', a: 'isohybrid', b: 'grub2' });
    expect(diff.boot.mbrPartitions).toEqual({
      removed: ['#1 type 0x17, bootable'],
      added: ['#1 type 0xcd, bootable'],
    });
    expect(diff.boot.mkisofs[0]).toEqual({
      a: '-isohybrid-mbr --interval:local_fs:0s-15s:zero_mbrpt:ISO',
      b: '--grub2-mbr --interval:local_fs:0s-15s:zero_mbrpt:ISO',
    });
    expect(diff.menus.map((m) => [m.file, m.status])).toEqual([
      ['/isolinux.cfg', 'removed'],
      ['/boot/grub/grub.cfg', 'added'],
    ]);
    const text = (await runIsoforge(['diff', IPXE, GRUB_RESCUE])).stdout;
    expect(text).toContain('mbrBootCode  "isohybrid" -> "grub2"');
    expect(text).toContain('- bios, bootable, emulation none, load 4, /isolinux.bin, boot-info-table');
  });

  it('a truncated ISO: one error line, exit 2', async () => {
    const truncated = join(dir, 'truncated.iso');
    await writeFile(truncated, (await readFile(IPXE)).subarray(0, 40 * 2048));
    const run = await runIsoforge(['diff', IPXE, truncated]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^isoforge: error: .*truncated\.iso is truncated: needs bytes \d+\.\.\d+ of 81920$/,
      ),
    ]);
  });
});

describe('isoforge diff of the sample and a medium-only remaster of it', () => {
  let sample: string;
  let remaster: string;

  beforeAll(async () => {
    sample = join(dir, 'sample.iso');
    await writeFile(sample, await readFile(await ensureSampleIso()));
    await mkdir(join(dir, 'files'));
    await writeFile(join(dir, 'files/oem-readme.txt'), 'OEM build 42\n');
    const recipe = join(dir, 'medium.yaml');
    await writeFile(
      recipe,
      `input: sample.iso
output: out/medium.iso
iso:
  menu: { timeout: 5 }
  cmdline: { add: [net.ifnames=0] }
  files:
    - { src: files/oem-readme.txt, dest: /oem/README.txt }
`,
    );
    const build = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work')]);
    expect(build.exitCode).toBe(0);
    remaster = join(dir, 'out/medium.iso');
  }, TIMEOUT);

  it('lists the changed menu files, the added file, md5sum.txt, the new kernel argument and timeout; nothing else', async () => {
    const { exitCode, diff } = await diffJson(sample, remaster);
    expect(exitCode).toBe(1);
    expect(diff.differences).toEqual(['volume', 'files', 'menus']);
    // The added file takes sectors: the volume grows, and nothing else about it changes.
    expect(diff.volume.changes.map((c) => c.field)).toEqual(['sizeBytes', 'volumeBlocks']);
    expect(diff.files.added).toEqual([{ path: '/oem/README.txt', size: 13 }]);
    expect(diff.files.removed).toEqual([]);
    expect(diff.files.unchecked).toEqual([]);
    expect(diff.files.changed.map((f) => f.path).sort()).toEqual([
      '/boot/grub/grub.cfg',
      '/boot/grub/loopback.cfg',
      '/md5sum.txt',
    ]);
    const grub = diff.menus.find((m) => m.file === '/boot/grub/grub.cfg');
    expect(grub?.timeout).toEqual({ a: 1, b: 5 });
    expect(grub?.entries).toEqual([
      {
        title: 'Try or Install Ubuntu Server',
        field: 'cmdline',
        a: 'console=ttyS0,115200 ---',
        b: 'console=ttyS0,115200 net.ifnames=0 ---',
      },
    ]);
    expect(diff.menus.map((m) => m.file)).toEqual(['/boot/grub/grub.cfg', '/boot/grub/loopback.cfg']);
    expect(diff.boot.mkisofs).toEqual([]);
    expect(diff.layers).toEqual([]);
    // md5sum.txt decides for every other file: neither side read a layer's bytes.
    expect(diff.a.bytesRead).toBeLessThan(1024 * 1024);
    expect(diff.b.bytesRead).toBeLessThan(1024 * 1024);
  });
});
