import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { readInitrdFile } from '../../src/distro/initrd.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { kernelRelease } from '../../src/sample/kernel-layer.ts';
import { resolveSampleKernels } from '../../src/sample/kernels.ts';
import { runIsoforge } from '../support/cli.ts';
import { discoverKernelVersion } from '../support/kernel.ts';
import { ensureSampleIso } from '../support/sample.ts';

// The live installer's HWE kernel, swapped for real, as 22.04.5 lays it out: a Debian kernel
// installed into the HWE kernel layer gets an initrd from initramfs-tools with the casper files of
// the installer layer below (src/sample/live-boot.ts) and the layer's own default-layer.conf. It
// replaces casper/hwe-vmlinuz and casper/hwe-initrd, not the generic pair; its new casper UUID goes
// to .disk/casper-uuid-generic-hwe only, and the HWE menu entry boots that kernel.
const INSTALLER = 'ubuntu-server-minimal.ubuntu-server.installer';
const HWE = `${INSTALLER}.generic-hwe`;
const HWE_ENTRY = 'Ubuntu Server with the HWE kernel';
const TIMEOUT = 1_800_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let dir: string;
let sample: string;
let version: string;
let hweRelease: string;

const md5 = (bytes: Uint8Array | string) => createHash('md5').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-kernel-swap-'));
  sample = join(dir, 'sample.iso');
  await writeFile(sample, await readFile(await ensureSampleIso()));
  // The layers' apt reads the base layer's sources.list: bookworm's kernel, the generic one here.
  version = await discoverKernelVersion(sample, 'ubuntu-server-minimal');
  hweRelease = kernelRelease(`${(await resolveSampleKernels())['generic-hwe']}_`);
}, TIMEOUT);

async function initrdText(iso: IsoImage, isoPath: string, member: string): Promise<string> {
  const local = join(dir, `${isoPath.replaceAll('/', '_')}-${md5(member)}`);
  await writeFile(local, await iso.readFile(isoPath));
  return new TextDecoder().decode((await readInitrdFile(local, member, dir)) ?? new Uint8Array()).trim();
}

describe('a kernel installed into the HWE kernel layer boots the HWE entry', () => {
  let output: string;

  it(
    'replaces casper/hwe-vmlinuz and hwe-initrd only; the initrd keeps its default-layer.conf, and only .disk/casper-uuid-generic-hwe takes its new UUID',
    async () => {
      expect(version).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
      expect(version).not.toBe(hweRelease);
      await writeFile(
        join(dir, 'swap.yaml'),
        `input: sample.iso
output: out/swap.iso
layers:
  ${HWE}:
    compression: { algorithm: zstd }
    steps:
      - kernel: { version: ${version}, hold: false, headers: false }
`,
      );
      const run = await runIsoforge(['build', join(dir, 'swap.yaml'), '--workdir', join(dir, 'work')]);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain(`kernel ${version} now boots the medium (/casper/hwe-vmlinuz)`);
      output = join(dir, 'out/swap.iso');

      await using before = await IsoImage.open(sample);
      await using after = await IsoImage.open(output);
      for (const path of ['/casper/vmlinuz', '/casper/initrd', '/.disk/casper-uuid-generic']) {
        expect(md5(await after.readFile(path)), path).toBe(md5(await before.readFile(path)));
      }
      const initrd = await after.readFile('/casper/hwe-initrd');
      expect(md5(initrd)).not.toBe(md5(await before.readFile('/casper/hwe-initrd')));
      expect(await initrdText(after, '/casper/hwe-initrd', 'conf/conf.d/default-layer.conf')).toBe(
        `LAYERFS_PATH=${HWE}.squashfs`,
      );
      const uuid = await initrdText(after, '/casper/hwe-initrd', 'conf/uuid.conf');
      expect(uuid).toMatch(UUID);
      expect(uuid).not.toBe((await before.readText('/.disk/casper-uuid-generic-hwe'))?.trim());
      const mediumUuid = await after.readText('/.disk/casper-uuid-generic-hwe');
      expect(mediumUuid).toBe(`${uuid}\n`);
      const md5sums = (await after.readText('/md5sum.txt')) ?? '';
      expect(md5sums).toContain(`${md5(mediumUuid ?? '')}  ./.disk/casper-uuid-generic-hwe\n`);
      expect(md5sums).toContain(`${md5(initrd)}  ./casper/hwe-initrd\n`);
      expect(md5sums).toContain(
        `${md5(await after.readFile('/casper/hwe-vmlinuz'))}  ./casper/hwe-vmlinuz\n`,
      );
    },
    TIMEOUT,
  );

  for (const [firmware, media] of [
    ['bios', 'cdrom'],
    ['uefi', 'usb'],
  ] as const) {
    it(
      `boots the new kernel from the HWE entry (${firmware}, ${media}): uname is its release, the chain ends at the HWE layer, and the UUID check passes`,
      async () => {
        const result = await runBootTest({
          iso: output,
          firmware,
          media,
          entry: HWE_ENTRY,
          logDir: join(dir, `boot-${firmware}`),
          timeoutSeconds: 600,
          expect: /ISOFORGE-SAMPLE-BOOT ok .* modules=\S+/,
        });
        const marker = result.matched ?? '';
        expect(marker, result.tail.join('\n')).toContain(` uname=${version} `);
        expect(marker).toContain(' uuid=ok ');
        expect(marker).toMatch(new RegExp(` chain=\\S*,${HWE.replaceAll('.', '\\.')} `));
        expect(marker).toMatch(new RegExp(`kernels=\\S*linux-image-${version.replaceAll('.', '\\.')}`));
      },
      TIMEOUT,
    );
  }
});
