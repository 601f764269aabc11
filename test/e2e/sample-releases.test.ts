import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import type { IsoReport } from '../../src/inspect/inspect.ts';
import { kernelRelease } from '../../src/sample/kernel-layer.ts';
import { resolveSampleKernels } from '../../src/sample/kernels.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { readFromLayer } from '../support/layer.ts';

// The same scheme on the later releases' media, as livecd-rootfs builds them (src/sample/releases.ts):
// 24.04 has 22.04's two kernel layers; 26.04 puts its one kernel in the minimal layer and names the
// installer layer in the initrd. inspect finds each entry's chain, and a remaster that targets
// `installer` and `system` boots (one boot each).
const MINIMAL = 'ubuntu-server-minimal';
const SERVER = `${MINIMAL}.ubuntu-server`;
const INSTALLER = `${SERVER}.installer`;
const SHAPES = [
  {
    release: '24.04',
    volume: 'Ubuntu-Server 24.04.3 LTS amd64',
    entries: [
      { initrd: '/casper/initrd', top: `${INSTALLER}.generic` },
      { initrd: '/casper/hwe-initrd', top: `${INSTALLER}.generic-hwe` },
    ],
  },
  {
    release: '26.04',
    volume: 'Ubuntu-Server 26.04 LTS amd64',
    entries: [{ initrd: '/casper/initrd', top: INSTALLER }],
  },
];
const TIMEOUT = 1_800_000;
let dir: string;
let generic: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-sample-releases-'));
  generic = kernelRelease(`${(await resolveSampleKernels()).generic}_`);
}, TIMEOUT);

/** A file of the ISO's initrd, as xorriso, zcat and cpio read it. */
async function initrdMember(iso: string, initrd: string, member: string): Promise<string> {
  const local = join(dir, `${iso.replaceAll('/', '_')}${initrd.replaceAll('/', '_')}`);
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', initrd, local]);
  return (await runCommand(['sh', '-c', 'zcat "$1" | cpio -i --quiet --to-stdout "$2"', 'sh', local, member]))
    .stdout;
}

for (const shape of SHAPES)
  describe(`the ${shape.release} shape`, () => {
    const iso = () => join(dir, `sample-${shape.release}.iso`);
    const output = () => join(dir, `out/remaster-${shape.release}.iso`);

    it(
      "inspect --json gives each entry's initrd, where its layer comes from and its chain",
      async () => {
        const made = await runIsoforge(['sample', '--release', shape.release, '-o', iso()]);
        expect(made.exitCode, made.stderr).toBe(0);
        const pvd = await runCommand(['xorriso', '-indev', iso(), '-pvd_info']);
        expect(pvd.stdout + pvd.stderr).toContain(`Volume Id    : ${shape.volume}`);
        const run = await runIsoforge(['inspect', iso(), '--json']);
        expect(run.exitCode, run.stderr).toBe(0);
        const report = JSON.parse(run.stdout) as IsoReport;
        const chains = report.bootChains?.filter((chain) => chain.menu === '/boot/grub/grub.cfg') ?? [];
        expect(chains.map((chain) => chain.initrd)).toEqual(shape.entries.map((entry) => entry.initrd));
        for (const [i, entry] of shape.entries.entries()) {
          expect(await initrdMember(iso(), entry.initrd, 'conf/conf.d/default-layer.conf')).toBe(
            `LAYERFS_PATH=${entry.top}.squashfs\n`,
          );
          const below = entry.top === INSTALLER ? [MINIMAL, SERVER] : [MINIMAL, SERVER, INSTALLER];
          expect(chains[i]).toMatchObject({
            source: 'initrd',
            layer: entry.top,
            chain: [...below, entry.top],
          });
        }
      },
      TIMEOUT,
    );

    it(
      'remasters with the installer and system targets, and the default entry boots the change (bios/cdrom)',
      async () => {
        const recipe = join(dir, `remaster-${shape.release}.yaml`);
        await writeFile(
          recipe,
          `input: ${iso()}
output: ${output()}
layers:
  installer:
    steps:
      - file: { dest: /etc/modules-load.d/isoforge-nic.conf, content: "e1000\\n" }
  system:
    steps:
      - file: { dest: /etc/isoforge-release, content: "site-${shape.release}\\n" }
`,
        );
        const run = await runIsoforge(['build', recipe, '--workdir', join(dir, `work-${shape.release}`)]);
        expect(run.exitCode, run.stderr).toBe(0);
        const top = shape.entries[0]?.top ?? '';
        expect(await readFromLayer(output(), top, '/etc/modules-load.d/isoforge-nic.conf')).toBe('e1000\n');
        const result = await runBootTest({
          iso: output(),
          firmware: 'bios',
          media: 'cdrom',
          logDir: join(dir, `boot-${shape.release}`),
          timeoutSeconds: 600,
          expect: /ISOFORGE-SAMPLE-BOOT ok .* modules=\S+/,
        });
        const marker = result.matched ?? '';
        expect(marker, result.tail.join('\n')).toContain(`release=site-${shape.release} `);
        expect(marker).toContain(` uname=${generic} `);
        expect(marker).toContain(
          ` chain=${[MINIMAL, SERVER, INSTALLER].join(',')}${top === INSTALLER ? '' : `,${top}`} `,
        );
        expect(marker).toContain(' modprobe=e1000:ok ');
      },
      TIMEOUT,
    );
  });
