import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IsoImage } from '../../src/iso/image.ts';
import { runIsoforge } from '../support/cli.ts';
import { PACKAGED_ISOS } from '../support/packaged-isos.ts';

/**
 * ISOs with no live layers (a GRUB rescue CD, iPXE, memtest86+), made by other people's tools:
 * a recipe that edits only the medium must still build, keep the boot setup and verify.
 */
const TIMEOUT = 120_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-plain-'));
  await writeFile(join(dir, 'readme.txt'), 'OEM rescue media, fleet A\n');
});

async function build(name: string, recipe: string) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, recipe);
  return runIsoforge(['build', file, '--workdir', join(dir, `work-${name}`), '--json']);
}

async function readIsoText(iso: string, path: string): Promise<string | null> {
  await using image = await IsoImage.open(iso);
  return await image.readText(path);
}

describe('a medium-only recipe on an ISO without live layers', () => {
  for (const [index, packaged] of PACKAGED_ISOS.entries()) {
    it(
      `${packaged.path}: adds a file, renames the volume, keeps the boot setup`,
      async () => {
        const output = join(dir, `out/plain-${index}.iso`);
        const run = await build(
          `plain-${index}`,
          `input: ${packaged.path}\noutput: ${output}\nvolumeId: OEM_PLAIN_${index}\niso:\n  files:\n    - { src: readme.txt, dest: /oem/README.txt }\n`,
        );
        expect(run.stderr).toBe('');
        expect(run.exitCode).toBe(0);
        expect((JSON.parse(run.stdout) as { verify: { ok: boolean } }).verify.ok).toBe(true);
        expect(await readIsoText(output, '/oem/README.txt')).toBe('OEM rescue media, fleet A\n');
        const diff = await runIsoforge(['diff', packaged.path, output, '--json']);
        expect(diff.exitCode).toBe(1);
        const report = JSON.parse(diff.stdout) as { boot: { mkisofs: { a: string; b: string }[] } };
        // The only boot difference xorriso reports is the new volume id.
        expect(report.boot.mkisofs.map((line) => line.b)).toEqual([`-V 'OEM_PLAIN_${index}'`]);
      },
      TIMEOUT,
    );
  }

  it(
    "edits the menus it has: GRUB's timeout, isolinux's kernel arguments",
    async () => {
      const grubOut = join(dir, 'out/grub-menu.iso');
      const grub = await build(
        'grub-menu',
        `input: /usr/lib/grub-rescue/grub-rescue-cdrom.iso\noutput: ${grubOut}\niso:\n  menu: { timeout: 3 }\n`,
      );
      expect(grub.exitCode).toBe(0);
      expect(await readIsoText(grubOut, '/boot/grub/grub.cfg')).toMatch(/^set timeout=3$/m);
      const ipxeOut = join(dir, 'out/ipxe-args.iso');
      const ipxe = await build(
        'ipxe-args',
        `input: /usr/lib/ipxe/ipxe.iso\noutput: ${ipxeOut}\niso:\n  cmdline: { add: [isoforge.oem=fleet-a] }\n`,
      );
      expect(ipxe.exitCode).toBe(0);
      expect(await readIsoText(ipxeOut, '/isolinux.cfg')).toMatch(/isoforge\.oem=fleet-a/);
    },
    TIMEOUT,
  );

  it(
    'refuses layer work on such an ISO before any work: one line, exit 2',
    async () => {
      const output = join(dir, 'out/refused.iso');
      const run = await build(
        'refused',
        `input: /usr/lib/ipxe/ipxe.iso\noutput: ${output}\nlayers:\n  filesystem:\n    steps:\n      - run: "true"\n`,
      );
      expect(run.exitCode).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/neither a casper \(Ubuntu\) nor a Debian live medium/);
    },
    TIMEOUT,
  );
});
