import { mkdtemp, writeFile } from 'node:fs/promises';
import { release as hostRelease, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { kernelRelease } from '../../src/sample/kernel-layer.ts';
import { resolveSampleKernels, type SampleFlavour } from '../../src/sample/kernels.ts';
import { runIsoforge } from '../support/cli.ts';
import { listLayer, readFromLayer, readModuleVermagic } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';

// The seed's scenario on the seed's medium, from one recipe that says what it means. An
// out-of-tree driver from Debian's archive (v4l2loopback-dkms) goes into `installer` (both kernel
// layers, each the top of the chain one menu entry boots), and `system` (the default install
// source's top layer) carries the site's release. DKMS builds the driver for the kernel of each
// chain, never the build machine's, and the compiler and headers are gone afterwards. Each entry,
// in BIOS and UEFI, boots its own kernel over its own chain, whose modprobe loads the driver.
// (The install source with its kernel pinned and the same driver: test/e2e/kernel.test.ts.)
const INSTALLER = 'ubuntu-server-minimal.ubuntu-server.installer';
const SYSTEM = 'ubuntu-server-minimal.ubuntu-server';
const ENTRIES: { flavour: SampleFlavour; title: string }[] = [
  { flavour: 'generic', title: 'Try or Install Ubuntu Server' },
  { flavour: 'generic-hwe', title: 'Ubuntu Server with the HWE kernel' },
];
const MODULE = 'v4l2loopback';
const TIMEOUT = 1_800_000;
let dir: string;
let output: string;
let releases: Record<SampleFlavour, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-seed-medium-'));
  const kernels = await resolveSampleKernels();
  releases = {
    generic: kernelRelease(`${kernels.generic}_`),
    'generic-hwe': kernelRelease(`${kernels['generic-hwe']}_`),
  };
}, TIMEOUT);

/** The layer's dpkg status stanza of PACKAGE (dpkg's own file, read with unsquashfs). */
async function dpkgStatus(layer: string, pkg: string): Promise<string> {
  const status = await readFromLayer(output, layer, '/var/lib/dpkg/status');
  return status.split('\n\n').find((stanza) => stanza.startsWith(`Package: ${pkg}\n`)) ?? '';
}

describe('the seed scenario: a DKMS driver for the installer, both entries booted', () => {
  it(
    'builds the driver for the kernel of each chain, keeps its modules and dpkg record, and leaves no compiler, headers or host-kernel build',
    async () => {
      const recipe = join(dir, 'seed.yaml');
      await writeFile(
        recipe,
        `input: ${await ensureSampleIso()}
output: out/seed.iso
layers:
  installer:
    steps:
      - driver: { packages: [${MODULE}-dkms] }
      - file: { dest: /etc/modules-load.d/isoforge-driver.conf, content: "${MODULE}\\n" }
  system:
    steps:
      - file: { dest: /etc/isoforge-release, content: "seed-site\\n" }
`,
      );
      const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work')]);
      expect(run.exitCode, run.stderr).toBe(0);
      output = join(dir, 'out/seed.iso');
      expect(run.stdout).toContain(`${SYSTEM} (system)`);
      const layers = ENTRIES.map(({ flavour }) => ({
        layer: `${INSTALLER}.${flavour}`,
        release: releases[flavour],
      }));
      for (const { layer, release } of layers) {
        expect(run.stdout).toContain(`${layer} (installer)`);
        expect(await readModuleVermagic(output, { name: layer, release, module: MODULE }, dir)).toMatch(
          new RegExp(`^${release.replaceAll('.', '\\.')} `),
        );
        expect(await dpkgStatus(layer, `isoforge-${MODULE}-modules-${release}`)).toContain(
          'Status: install ok installed',
        );
        const paths = [...(await listLayer(output, layer)).keys()];
        expect(
          paths.filter((path) => /\/(gcc-12|cc1)$|\/usr\/src\/linux-headers-|\/var\/lib\/dkms\//.test(path)),
        ).toEqual([]);
        expect(paths.filter((path) => path.includes(`/lib/modules/${hostRelease()}`))).toEqual([]);
      }
      expect(await readFromLayer(output, SYSTEM, '/etc/isoforge-release')).toBe('seed-site\n');
    },
    TIMEOUT,
  );

  for (const { flavour, title } of ENTRIES)
    for (const firmware of ['bios', 'uefi'] as const)
      it(
        `"${title}" (${firmware}): its kernel, its chain, the system's release, and the driver loaded by that kernel's modprobe`,
        async () => {
          const result = await runBootTest({
            iso: output,
            firmware,
            media: 'cdrom',
            entry: title,
            logDir: join(dir, `boot-${flavour}-${firmware}`),
            timeoutSeconds: 600,
            expect: /ISOFORGE-SAMPLE-BOOT ok .* modules=\S+/,
          });
          const marker = result.matched ?? '';
          expect(marker, result.tail.join('\n')).toContain('release=seed-site ');
          expect(marker).toContain(` uname=${releases[flavour]} `);
          expect(marker).toContain(
            ` chain=ubuntu-server-minimal,${SYSTEM},${INSTALLER},${INSTALLER}.${flavour} `,
          );
          expect(marker).toContain(` modprobe=${MODULE}:ok `);
          expect(marker).toMatch(new RegExp(` modules=(\\S+,)?${MODULE}(,|$)`));
        },
        TIMEOUT,
      );
});
