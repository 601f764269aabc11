import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateChecksums } from '../../src/distro/checksums.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { writeIso } from '../../src/output/write-iso.ts';
import { runCommand } from '../../src/tools/exec.ts';
import {
  extractFromIso,
  makeMkisofsArgs,
  runXorriso,
  runXorrisoMkisofs,
  runXorrisoReport,
} from '../../src/tools/xorriso.ts';
import { parseFdiskLayout } from '../../src/verify/reports.ts';
import { verifyIso } from '../../src/verify/verify.ts';
import { ensureSampleIso } from '../support/sample.ts';
import { parsePlainReport } from '../support/xorriso-report.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-output-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** An ISO with Ubuntu 22.04's boot layout, built the way livecd-rootfs does (the guide's arguments). */
let ubuntuLayoutIso: Promise<string> | undefined;
function makeUbuntuLayoutIso(): Promise<string> {
  ubuntuLayoutIso ??= buildUbuntuLayoutIso();
  return ubuntuLayoutIso;
}

async function buildUbuntuLayoutIso(): Promise<string> {
  const tree = join(dir, 'ubuntu-tree');
  await mkdir(join(tree, 'boot/grub/i386-pc'), { recursive: true });
  await mkdir(join(tree, '.disk'));
  await mkdir(join(tree, 'casper'));
  await runCommand([
    'grub-mkimage',
    '-O',
    'i386-pc-eltorito',
    '-p',
    '/boot/grub',
    '-o',
    join(tree, 'boot/grub/i386-pc/eltorito.img'),
    'biosdisk',
    'iso9660',
  ]);
  await writeFile(join(tree, '.disk/info'), 'Ubuntu-Server 22.04.5 LTS "Jammy Jellyfish" - Release amd64');
  await writeFile(join(tree, 'casper/filesystem.size'), '123\n');
  await writeFile(join(tree, 'casper/old.txt'), 'to be removed\n');
  const md5 = await runCommand(['sh', '-c', 'find . -type f ! -name eltorito.img | sort | xargs md5sum'], {
    cwd: tree,
  });
  await writeFile(join(tree, 'md5sum.txt'), md5.stdout);
  const efi = join(dir, 'efi.img');
  await runCommand(['mkfs.vfat', '-C', efi, '2048']);
  await runCommand(['mmd', '-i', efi, '::/EFI', '::/EFI/boot']);
  const iso = join(dir, 'ubuntu-layout.iso');
  const boot = [
    '--grub2-mbr',
    '/usr/lib/grub/i386-pc/boot_hybrid.img',
    '--protective-msdos-label',
    '-partition_cyl_align',
    'off',
    '-partition_offset',
    '16',
    '--mbr-force-bootable',
    '-append_partition',
    '2',
    '28732ac11ff8d211ba4b00a0c93ec93b',
    efi,
    '-appended_part_as_gpt',
    '-iso_mbr_part_type',
    'a2a0d0ebe5b9334487c068b6b72699c7',
    '-c',
    'boot.catalog',
    '-b',
    'boot/grub/i386-pc/eltorito.img',
    '-no-emul-boot',
    '-boot-load-size',
    '4',
    '-boot-info-table',
    '--grub2-boot-info',
    '-eltorito-alt-boot',
    '-e',
    '--interval:appended_partition_2:all::',
    '-no-emul-boot',
  ];
  await runXorrisoMkisofs(
    makeMkisofsArgs({
      output: iso,
      volumeId: 'Ubuntu-Server 22.04.5 LTS amd64',
      bootArgs: boot,
      joliet: true,
      sources: [tree],
    }),
  );
  return iso;
}

/** The boot setup with every position taken out: what must survive a rewrite. */
async function readNormalisedBootSetup(iso: string) {
  const xorriso = await runXorrisoReport(iso);
  const plain = parsePlainReport([...xorriso.elToritoPlain, ...xorriso.systemAreaPlain]);
  const fdisk = await runCommand(['fdisk', '-l', iso]);
  const layout = parseFdiskLayout(fdisk.stdout, fdisk.stderr, iso);
  return {
    asMkisofs: xorriso.elToritoAsMkisofs
      .filter((line) => !line.startsWith('--modification-date'))
      .map((line) =>
        line
          .replaceAll(iso, 'ISO')
          .replace(/\d+[sd]?-\d+[sd]?/g, 'N-N')
          .replace(/_start_\d+s_size_\d+d/, ''),
      ),
    eltorito: plain.eltorito.map((e) => [e.platform, e.bootable, e.emulation, e.path, e.opts]),
    mbr: plain.mbr.map((p) => [p.index, p.bootable, p.type]),
    gpt: plain.gpt.map((p) => [p.index, p.typeHex, p.name, p.flags]),
    fdisk: layout,
  };
}

/** A plain file that is neither a boot image nor the catalog, the deepest-first walk's first hit. */
async function pickRemovableFile(iso: string): Promise<string> {
  await using image = await IsoImage.open(iso);
  const pending = ['/'];
  while (pending.length) {
    const entries = await image.list(pending.shift() ?? '/');
    const file = entries.find(
      (e) => !e.isDirectory && !/boot\.cat|\.img$|\.bin$|\.efi$|\.sys$|^md5sum/i.test(e.name),
    );
    if (file) return file.path;
    pending.push(...entries.filter((e) => e.isDirectory).map((e) => e.path));
  }
  throw new Error(`no removable file in ${iso}`);
}

const ISOS: Record<string, () => Promise<string>> = {
  'ubuntu layout (grub2 mbr, appended EFI, gap partition, Joliet)': makeUbuntuLayoutIso,
  ipxe: async () => '/usr/lib/ipxe/ipxe.iso',
  'grub-rescue': async () => '/usr/lib/grub-rescue/grub-rescue-cdrom.iso',
  'ubuntu-layout sample': () => ensureSampleIso(),
};

describe.each(Object.entries(ISOS))('writeIso on %s', (name, makeIso) => {
  it.each(['replay', 'explicit'] as const)(
    '%s: boot setup, Joliet and gap partition kept, changes applied, input untouched',
    async (mode) => {
      const input = await makeIso();
      const before = await sha256(input);
      const added = join(dir, `added-${mode}.txt`);
      await writeFile(added, `written by isoforge (${mode})\n`);
      const removed = await pickRemovableFile(input);
      const output = join(dir, `${name.replace(/\W+/g, '-')}-${mode}.iso`);
      await writeIso({
        input,
        output,
        bootSetup: mode,
        changes: { replace: [{ isoPath: '/isoforge/added.txt', localPath: added }], remove: [removed] },
      });
      expect(await sha256(input)).toBe(before);
      expect(await readNormalisedBootSetup(output)).toEqual(await readNormalisedBootSetup(input));
      const [original, written] = await Promise.all([inspectIso(input), inspectIso(output)]);
      expect(written.joliet).toBe(original.joliet);
      expect(written.volumeId).toBe(original.volumeId);
      await using image = await IsoImage.open(output);
      expect(await image.readText('/isoforge/added.txt')).toBe(`written by isoforge (${mode})\n`);
      expect(await image.stat(removed)).toBeNull();
    },
  );
});

describe('why the modification-mode flags are there', () => {
  it('without -joliet on, -compliance no_emul_toc and -padding included, xorriso drops Joliet and the gap partition', async () => {
    const input = await makeUbuntuLayoutIso();
    const output = join(dir, 'bare-replay.iso');
    await runXorriso(['-indev', input, '-outdev', output, '-boot_image', 'any', 'replay', '-commit']);
    const bare = await readNormalisedBootSetup(output);
    const original = await readNormalisedBootSetup(input);
    expect(original.gpt).toHaveLength(3);
    expect(bare.gpt).toHaveLength(2);
    expect((await inspectIso(output)).joliet).toBe(false);
    const report = await verifyIso({ output, original: input });
    const failed = report.checks.filter((c) => c.outcome === 'failed').map((c) => c.name);
    expect(failed).toEqual(
      expect.arrayContaining(['gap partition', 'Joliet', 'emulated TOC', 'fdisk -l partitions']),
    );
    const cli = await runCommand(['bin/isoforge', 'verify', output, '--original', input], {
      okExitCodes: [9],
    });
    expect(cli.exitCode).toBe(9);
    expect(cli.stderr).toMatch(/verification failed: .*gap partition/);
  });

  it('refuses to remove the root', async () => {
    const input = await makeUbuntuLayoutIso();
    const changes = { replace: [], remove: ['/'] };
    await expect(
      writeIso({ input, output: join(dir, 'x.iso'), bootSetup: 'replay', changes }),
    ).rejects.toThrow(/cannot change ISO path/);
  });
});

describe('writeIso on the Ubuntu layout with md5sum.txt', () => {
  it.each(['replay', 'explicit'] as const)(
    '%s: md5sum.txt updated for the changes verifies, and .disk/info stays',
    async (mode) => {
      const input = await makeUbuntuLayoutIso();
      const size = join(dir, 'filesystem.size');
      await writeFile(size, '456\n');
      const md5 = createHash('md5').update('456\n').digest('hex');
      const extracted = join(dir, `md5sum-${mode}.txt`);
      await extractFromIso(input, [{ isoPath: '/md5sum.txt', localPath: extracted }]);
      const md5sums = join(dir, `md5sum-new-${mode}.txt`);
      await writeFile(
        md5sums,
        updateChecksums(await readFile(extracted, 'utf8'), new Map([['/casper/filesystem.size', md5]]), [
          '/casper/old.txt',
        ]),
      );
      const output = join(dir, `md5-${mode}.iso`);
      await writeIso({
        input,
        output,
        bootSetup: mode,
        changes: {
          replace: [
            { isoPath: '/casper/filesystem.size', localPath: size },
            { isoPath: '/md5sum.txt', localPath: md5sums },
          ],
          remove: ['/casper/old.txt'],
          volumeId: 'ISOFORGE TEST',
        },
      });
      const report = await verifyIso({ output, original: input });
      expect(report.checks.filter((c) => c.outcome === 'failed')).toEqual([]);
      expect((await inspectIso(output)).volumeId).toBe('ISOFORGE TEST');
    },
  );

  it('a stale md5sum.txt fails verification, naming the file', async () => {
    const input = await makeUbuntuLayoutIso();
    const size = join(dir, 'stale.size');
    await writeFile(size, '789\n');
    const output = join(dir, 'stale.iso');
    await writeIso({
      input,
      output,
      bootSetup: 'replay',
      changes: { replace: [{ isoPath: '/casper/filesystem.size', localPath: size }], remove: [] },
    });
    const report = await verifyIso({ output, original: input });
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'md5sum.txt')?.detail).toMatch(/filesystem\.size differs/);
  });
});
