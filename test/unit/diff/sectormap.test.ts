import { describe, expect, it } from 'vitest';
import { compareSectorMaps } from '../../../src/diff/sectormap.ts';
import { inspectImage } from '../../../src/inspect/inspect.ts';
import { IsoImage } from '../../../src/iso/image.ts';

async function sectorMapOf(path: string) {
  await using image = await IsoImage.open(path);
  return (await inspectImage(image, path)).sectorMap;
}

describe('compareSectorMaps on the sector maps of real packaged ISOs', () => {
  it('finds nothing between an ISO and itself', async () => {
    const map = await sectorMapOf('/usr/lib/memtest86+/memtest86+x64.iso');
    expect(compareSectorMaps(map, map)).toEqual({ changes: [], regionsAddedOrRemoved: false });
  });

  it('names the regions an isohybrid iPXE CD and a GRUB rescue CD do not share', async () => {
    const diff = compareSectorMaps(
      await sectorMapOf('/usr/lib/ipxe/ipxe.iso'),
      await sectorMapOf('/usr/lib/grub-rescue/grub-rescue-cdrom.iso'),
    );
    expect(diff.regionsAddedOrRemoved).toBe(true);
    const label = (side: 'a' | 'b') =>
      diff.changes.filter((c) => c[side] && !c[side === 'a' ? 'b' : 'a']).map((c) => c.label);
    expect(label('a')).toEqual(['ISO 9660 file system (MBR 0x17)']);
    expect(label('b')).toEqual(['ISO 9660 file system (MBR 0xcd)']);
  });

  it('counts a moved region as moved, not as a region that came or went', async () => {
    const map = await sectorMapOf('/usr/lib/memtest86+/memtest86+x64.iso');
    const moved = map.map((r) => (r.start > 0 ? { ...r, start: r.start + 12, end: r.end + 12 } : r));
    const diff = compareSectorMaps(map, moved);
    expect(diff.regionsAddedOrRemoved).toBe(false);
    expect(diff.changes.map((c) => c.b!.start - c.a!.start)).toEqual(diff.changes.map(() => 12));
  });
});
