import { describe, expect, it } from 'vitest';
import { guidToXorrisoHex } from '../../src/iso/gpt.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runXorrisoReport } from '../../src/tools/xorriso.ts';
import { PACKAGED_ISOS } from '../support/packaged-isos.ts';
import { ensureSampleIso } from '../support/sample.ts';
import { parsePlainReport } from '../support/xorriso-report.ts';

const REAL_ISOS: Record<string, () => Promise<string>> = {
  ...Object.fromEntries(PACKAGED_ISOS.map((iso) => [iso.path, async () => iso.path])),
  'ubuntu-layout sample': () => ensureSampleIso(),
};

describe.each(Object.entries(REAL_ISOS))('inspect agrees with xorriso on %s', (_name, isoPath) => {
  it('El Torito entries, MBR and GPT match xorriso -report_* plain field by field', async () => {
    const iso = await isoPath();
    const [report, xorriso] = await Promise.all([inspectIso(iso), runXorrisoReport(iso)]);
    const reference = parsePlainReport([...xorriso.elToritoPlain, ...xorriso.systemAreaPlain]);
    expect(report.eltorito.map((e) => [e.platform, e.bootable, e.emulation, e.loadSectors, e.lba])).toEqual(
      reference.eltorito.map((e) => [e.platform, e.bootable, e.emulation, e.loadSectors, e.lba]),
    );
    report.eltorito.forEach((entry, i) => {
      const ref = reference.eltorito[i];
      if (ref?.path) expect(entry.path).toBe(ref.path);
      expect(entry.bootInfoTable).toBe(ref?.opts.includes('boot-info-table'));
      expect(entry.grub2BootInfo).toBe(ref?.opts.includes('grub2-boot-info'));
    });
    expect(report.mbr).toEqual(reference.mbr);
    expect(
      (report.gpt?.partitions ?? []).map((p) => ({
        index: p.index,
        typeHex: guidToXorrisoHex(p.typeGuid),
        name: p.name,
        start: p.start,
        sectors: p.sectors,
        flags: p.attributes,
      })),
    ).toEqual(reference.gpt);
  });

  it('derives the same -as mkisofs boot arguments as -report_el_torito as_mkisofs', async () => {
    const iso = await isoPath();
    const [report, xorriso] = await Promise.all([inspectIso(iso), runXorrisoReport(iso)]);
    expect(report.mkisofsArgs).toEqual(xorriso.elToritoAsMkisofs);
  });
});

describe('inspect on the Ubuntu-layout sample', () => {
  it("reports the seed's five casper layers as two chains, with sidecars, sources and menus", async () => {
    const report = await inspectIso(await ensureSampleIso());
    expect(report.layout).toBe('casper');
    const installer = [
      'ubuntu-server-minimal',
      'ubuntu-server-minimal.ubuntu-server',
      'ubuntu-server-minimal.ubuntu-server.installer',
    ];
    expect([...report.layerChains].sort((a, b) => (a.at(-1) ?? '').localeCompare(b.at(-1) ?? ''))).toEqual([
      [...installer, 'ubuntu-server-minimal.ubuntu-server.installer.generic'],
      [...installer, 'ubuntu-server-minimal.ubuntu-server.installer.generic-hwe'],
    ]);
    for (const layer of report.layers) {
      expect(layer.superblock?.compression).toBe('xz');
      expect(layer.manifest).toBe(true);
      expect(layer.recordedSize).toBeGreaterThan(0);
    }
    expect(report.installSources.map((s) => [s.id, s.chain.length])).toEqual([
      ['ubuntu-server-minimal', 1],
      ['ubuntu-server', 2],
    ]);
    expect([...report.kernels].sort()).toEqual(['/casper/hwe-vmlinuz', '/casper/vmlinuz']);
    expect(report.bootMenus[0]?.entries[0]).toMatchObject({
      kernel: '/casper/vmlinuz',
      initrd: '/casper/initrd',
    });
    expect(report.diskInfo).toMatch(/^Ubuntu-Server 22\.04\.5 LTS/);
    expect(report.sectorMap.map((r) => r.kind)).toEqual([
      'system-area',
      'iso-filesystem',
      'efi-partition',
      'gap-partition',
      'gpt-backup',
    ]);
  });

  it('reads only the sectors it needs', async () => {
    const report = await inspectIso(await ensureSampleIso());
    expect(report.bytesRead).toBeLessThan(report.sizeBytes / 50);
  });
});
