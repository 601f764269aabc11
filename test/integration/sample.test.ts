import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runXorrisoReport } from '../../src/tools/xorriso.ts';
import { verifyIso } from '../../src/verify/verify.ts';
import { ensureSampleIso } from '../support/sample.ts';

const REFERENCE = new URL('../fixtures/ubuntu-reference/', import.meta.url);

/** Sector numbers, dates and file names may differ between the sample and the official ISO. */
function normalise(line: string): string {
  return line
    .replace(/'[^']*\.iso'/g, "'ISO'")
    .replace(/--modification-date='\d+'/, "--modification-date='DATE'")
    .replace(/\d+([sd])/g, 'N$1')
    .replace(/(-boot-load-size) \d+/, '$1 N');
}

// xorriso reports the disk geometry only while the image is below 1 GiB, where the CHS fields of
// the MBR still hold one; the official ISO is 2 GB, the sample about 70 MB.
const GEOMETRY_LINES = ['-partition_hd_cyl 64', '-partition_sec_hd 32'];

describe('the sample ISO has the boot setup of ubuntu-22.04.5-live-server-amd64.iso', () => {
  it('prints the same -report_el_torito as_mkisofs options, line for line', async () => {
    const reference = (await readFile(new URL('report_el_torito_as_mkisofs.txt', REFERENCE), 'utf8'))
      .trim()
      .split('\n');
    const { elToritoAsMkisofs } = await runXorrisoReport(await ensureSampleIso());
    const sample = elToritoAsMkisofs.filter((line) => !GEOMETRY_LINES.includes(line));
    expect(sample.map(normalise)).toEqual(reference.map(normalise));
  });

  it('shows the same three GPT partitions in fdisk -l', async () => {
    const reference = await readFile(new URL('fdisk-l.txt', REFERENCE), 'utf8');
    const { stdout } = await runCommand(['fdisk', '-l', await ensureSampleIso()]);
    const types = (text: string) =>
      [...text.matchAll(/\.iso(\d)\s+\d+\s+\d+\s+\d+\s+\S+\s+(.+)$/gm)].map((m) => `${m[1]} ${m[2]?.trim()}`);
    expect(types(stdout)).toEqual(types(reference));
    expect(stdout).toContain('Disklabel type: gpt');
    expect(stdout).toMatch(/\.iso1\s+64\s/);
  });
});

describe('the sample ISO has the tree of the official ISO', () => {
  it('carries three layered squashfs files with manifests and sizes, and install-sources.yaml totals', async () => {
    const report = await inspectIso(await ensureSampleIso());
    const layer = (name: string) => report.layers.find((l) => l.name === name);
    for (const name of [
      'ubuntu-server-minimal',
      'ubuntu-server-minimal.ubuntu-server',
      'ubuntu-server-minimal.ubuntu-server.installer',
    ]) {
      expect(layer(name)).toMatchObject({ manifest: true, path: `/casper/${name}.squashfs` });
    }
    const minimal = layer('ubuntu-server-minimal')?.recordedSize ?? 0;
    const server = layer('ubuntu-server-minimal.ubuntu-server')?.recordedSize ?? 0;
    expect(report.installSources.map((s) => [s.id, s.size, s.default])).toEqual([
      ['ubuntu-server-minimal', minimal, false],
      ['ubuntu-server', minimal + server, true],
    ]);
    expect(report.bootMenus.find((m) => m.file === '/boot/grub/grub.cfg')?.entries[0]?.title).toBe(
      'Try or Install Ubuntu Server',
    );
    expect(report.bootMenus.map((m) => m.file)).toContain('/boot/grub/loopback.cfg');
  });

  it('has an md5sum.txt that matches its files, boot.catalog and eltorito.img left out', async () => {
    const iso = await ensureSampleIso();
    const report = await verifyIso({ output: iso });
    expect(report.checks.find((c) => c.name === 'md5sum.txt')).toMatchObject({ outcome: 'ok' });
    await using image = await IsoImage.open(iso);
    const stdout = (await image.readText('/md5sum.txt')) ?? '';
    expect(stdout).toContain('./casper/ubuntu-server-minimal.squashfs');
    expect(stdout).not.toContain('boot.catalog');
    expect(stdout).not.toContain('eltorito.img');
  });

  it('carries real overlay deltas: its own dpkg status and whiteouts in the upper layers', async () => {
    const iso = await ensureSampleIso();
    const report = await inspectIso(iso);
    const server = report.layers.find((l) => l.name === 'ubuntu-server-minimal.ubuntu-server');
    const { stdout } = await runCommand(['unsquashfs', '-lls', '-o', String((server?.lba ?? 0) * 2048), iso]);
    expect(stdout).toMatch(/var\/lib\/dpkg\/status$/m);
    expect(stdout).toMatch(/^c\S+ .* 0,\s*0 .*etc\/motd$/m);
  });
});
