import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateChecksums } from '../../src/distro/checksums.ts';
import { writeIso } from '../../src/output/write-iso.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runGpgDetachSign, runGpgGenerateKey } from '../../src/tools/gpg.ts';
import { extractFromIso, makeMkisofsArgs, runXorrisoMkisofs } from '../../src/tools/xorriso.ts';
import { verifyIso } from '../../src/verify/verify.ts';
import { ensureSampleIso } from '../support/sample.ts';

let dir: string;
let home: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-verify-'));
  home = join(dir, 'gnupg');
  await mkdir(home, { mode: 0o700 });
});
afterAll(async () => {
  await runCommand(['gpgconf', '--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('verifyIso on the Ubuntu-layout sample', () => {
  it.each(['replay', 'explicit'] as const)(
    '%s: a changed .size with md5sum.txt updated passes every check against the original',
    async (mode) => {
      const input = await ensureSampleIso();
      const size = join(dir, `size-${mode}`);
      await writeFile(size, '4242\n');
      const md5 = join(dir, `md5-${mode}`);
      await extractFromIso(input, [{ isoPath: '/md5sum.txt', localPath: md5 }]);
      const isoPath = '/casper/ubuntu-server-minimal.size';
      const hash = createHash('md5').update('4242\n').digest('hex');
      await writeFile(md5, updateChecksums(await readFile(md5, 'utf8'), new Map([[isoPath, hash]]), []));
      const output = join(dir, `sample-${mode}.iso`);
      await writeIso({
        input,
        output,
        bootSetup: mode,
        changes: {
          replace: [
            { isoPath, localPath: size },
            { isoPath: '/md5sum.txt', localPath: md5 },
          ],
          remove: [],
        },
      });
      const report = await verifyIso({
        output,
        original: input,
        changedSquashfs: ['/casper/ubuntu-server-minimal.squashfs'],
      });
      expect(report.checks.filter((c) => c.outcome === 'failed')).toEqual([]);
      expect(report.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining(['md5sum.txt', 'GPT partitions', 'fdisk -l partitions', '.disk/info present']),
      );
    },
  );
});

describe('ISOs below /dev (a tmpfs such as /dev/shm)', () => {
  // xorriso refuses a drive address below /dev unless it is given as stdio:PATH.
  it('are read, written and verified', async () => {
    const shm = await mkdtemp('/dev/shm/isoforge-verify-');
    try {
      const input = join(shm, 'input.iso');
      await copyFile(await ensureSampleIso(), input);
      const size = join(shm, 'size');
      await writeFile(size, '4242\n');
      const output = join(shm, 'output.iso');
      const isoPath = '/casper/ubuntu-server-minimal.size';
      await writeIso({
        input,
        output,
        bootSetup: 'replay',
        changes: { replace: [{ isoPath, localPath: size }], remove: [] },
      });
      const extracted = join(shm, 'extracted');
      await extractFromIso(output, [{ isoPath, localPath: extracted }]);
      expect(await readFile(extracted, 'utf8')).toBe('4242\n');
      const report = await verifyIso({ output, original: input, changedSquashfs: [] });
      const failed = report.checks.filter((c) => c.outcome === 'failed').map((c) => c.name);
      // The size changed and md5sum.txt was left as it was: that, and only that, is reported.
      expect(failed).toEqual(['md5sum.txt']);
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });
});

describe('verifyIso and layer signatures', () => {
  it('a signed layer verifies; the layer replaced without re-signing fails, naming the signature', async () => {
    const fingerprint = await runGpgGenerateKey(
      { name: 'Verify Test', email: 'v@example.com', expiry: '1d' },
      { home },
    );
    const tree = join(dir, 'signed-tree');
    await mkdir(join(tree, 'casper'), { recursive: true });
    await mkdir(join(dir, 'root/etc'), { recursive: true });
    await writeFile(join(dir, 'root/etc/release'), 'one\n');
    const layer = join(tree, 'casper/filesystem.squashfs');
    await runCommand(['mksquashfs', join(dir, 'root'), layer, '-noappend', '-quiet', '-processors', '1']);
    await runGpgDetachSign(layer, `${layer}.gpg`, fingerprint, { home });
    const iso = join(dir, 'signed.iso');
    await runXorrisoMkisofs(
      makeMkisofsArgs({ output: iso, volumeId: 'SIGNED', bootArgs: [], joliet: false, sources: [tree] }),
    );
    const good = await verifyIso({ output: iso, gnupgHome: home });
    expect(good.checks.find((c) => c.name === 'signature /casper/filesystem.squashfs.gpg')).toMatchObject({
      outcome: 'ok',
    });

    await writeFile(join(dir, 'root/etc/release'), 'two\n');
    const changed = join(dir, 'changed.squashfs');
    await runCommand(['mksquashfs', join(dir, 'root'), changed, '-noappend', '-quiet', '-processors', '1']);
    const output = join(dir, 'unsigned.iso');
    await writeIso({
      input: iso,
      output,
      bootSetup: 'replay',
      changes: { replace: [{ isoPath: '/casper/filesystem.squashfs', localPath: changed }], remove: [] },
    });
    const bad = await verifyIso({ output, gnupgHome: home });
    expect(bad.ok).toBe(false);
    expect(bad.checks.find((c) => c.outcome === 'failed')?.name).toBe(
      'signature /casper/filesystem.squashfs.gpg',
    );
  });
});
