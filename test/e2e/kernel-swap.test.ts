import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { readInitrdFile } from '../../src/distro/initrd.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { ensureDebs } from '../../src/sample/cache.ts';
import { runIsoforge } from '../support/cli.ts';
import { discoverKernelVersion } from '../support/kernel.ts';
import { ensureSampleIso } from '../support/sample.ts';

// The live installer's own kernel, swapped for real: a Debian kernel installed into the layer the
// sample's medium boots gets an initrd from initramfs-tools with the layer's casper files (see
// src/sample/live-boot.ts), which replaces casper/vmlinuz and casper/initrd; its new casper UUID
// goes to .disk/casper-uuid-generic, and the medium boots that kernel.
const INSTALLER = 'ubuntu-server-minimal.ubuntu-server.installer';
const TIMEOUT = 1_800_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let dir: string;
let sample: string;
let version: string;
let sampleRelease: string;

const md5 = (bytes: Uint8Array | string) => createHash('md5').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-kernel-swap-'));
  sample = join(dir, 'sample.iso');
  await writeFile(sample, await readFile(await ensureSampleIso()));
  // The installer layer is a delta: its apt reads the base layer's sources.list.
  version = await discoverKernelVersion(sample, 'ubuntu-server-minimal');
  // The sample's own kernel: the concrete package its linux-image-amd64 resolved to.
  const deb = (await ensureDebs(['linux-image-amd64'])).get('linux-image-amd64') ?? '';
  sampleRelease = /^linux-image-(.+?)_/.exec(basename(deb))?.[1] ?? `unknown (${deb})`;
}, TIMEOUT);

describe('a kernel installed into the installer layer boots the medium', () => {
  let output: string;

  it(
    'replaces casper/vmlinuz and casper/initrd, and .disk/casper-uuid-generic takes the new UUID',
    async () => {
      expect(version).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
      expect(version).not.toBe(sampleRelease);
      await writeFile(
        join(dir, 'swap.yaml'),
        `input: sample.iso
output: out/swap.iso
layers:
  ${INSTALLER}:
    compression: { algorithm: zstd }
    steps:
      - kernel: { version: ${version}, hold: false, headers: false }
`,
      );
      const run = await runIsoforge(['build', join(dir, 'swap.yaml'), '--workdir', join(dir, 'work')]);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain(`kernel ${version} now boots the medium (/casper/vmlinuz)`);
      output = join(dir, 'out/swap.iso');

      await using before = await IsoImage.open(sample);
      await using after = await IsoImage.open(output);
      const initrd = await after.readFile('/casper/initrd');
      expect(md5(initrd)).not.toBe(md5(await before.readFile('/casper/initrd')));
      await writeFile(join(dir, 'new-initrd'), initrd);
      const conf = await readInitrdFile(join(dir, 'new-initrd'), 'conf/uuid.conf', dir);
      const uuid = new TextDecoder().decode(conf ?? new Uint8Array()).trim();
      expect(uuid).toMatch(UUID);
      expect(uuid).not.toBe((await before.readText('/.disk/casper-uuid-generic'))?.trim());
      const mediumUuid = await after.readText('/.disk/casper-uuid-generic');
      expect(mediumUuid).toBe(`${uuid}\n`);
      const md5sums = (await after.readText('/md5sum.txt')) ?? '';
      expect(md5sums).toContain(`${md5(mediumUuid ?? '')}  ./.disk/casper-uuid-generic\n`);
      expect(md5sums).toContain(`${md5(initrd)}  ./casper/initrd\n`);
      expect(md5sums).toContain(`${md5(await after.readFile('/casper/vmlinuz'))}  ./casper/vmlinuz\n`);
    },
    TIMEOUT,
  );

  for (const [firmware, media] of [
    ['bios', 'cdrom'],
    ['uefi', 'usb'],
  ] as const) {
    it(
      `boots the new kernel (${firmware}, ${media}): uname is its release, and the UUID check passes`,
      async () => {
        const result = await runBootTest({
          iso: output,
          firmware,
          media,
          logDir: join(dir, 'boot'),
          timeoutSeconds: 600,
          expect: /ISOFORGE-SAMPLE-BOOT ok .* uname=\S+/,
        });
        const marker = result.matched ?? '';
        expect(marker, result.tail.join('\n')).toContain(` uname=${version}`);
        expect(marker).toContain(' uuid=ok ');
        expect(marker).toMatch(new RegExp(`kernels=\\S*linux-image-${version.replaceAll('.', '\\.')}`));
      },
      TIMEOUT,
    );
  }
});
