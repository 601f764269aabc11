import { describe, expect, it } from 'vitest';
import { runXorrisoReport } from '../../../src/tools/xorriso.ts';
import { normaliseAsMkisofs } from '../../../src/verify/reports.ts';

const ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

describe('normaliseAsMkisofs on xorriso’s own report of a packaged ISO', () => {
  it('ignores the MBR geometry and boot flag lines xorriso adds once an image has grown past 1 GiB', async () => {
    const lines = (await runXorrisoReport(ISO)).elToritoAsMkisofs;
    // The lines xorriso reported for the sample once a medium-only build added a 1.9 GiB file to it.
    const grown = [...lines, '-partition_hd_cyl 64', '-partition_sec_hd 32', '--mbr-force-bootable'];
    expect(normaliseAsMkisofs(grown, ISO)).toEqual(normaliseAsMkisofs(lines, ISO));
  });

  it('still sees a boot option that went missing', async () => {
    const lines = (await runXorrisoReport(ISO)).elToritoAsMkisofs;
    expect(lines).toContain('-boot-info-table');
    const without = lines.filter((line) => line !== '-boot-info-table');
    expect(normaliseAsMkisofs(without, ISO)).not.toEqual(normaliseAsMkisofs(lines, ISO));
  });
});
