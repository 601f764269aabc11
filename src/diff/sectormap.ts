import type { SectorRegion } from '../inspect/sectormap.ts';

/** Where one region lies on a side: its first sector and length (512-byte sectors). */
export interface RegionPlace {
  start: number;
  sectors: number;
}

export interface RegionChange {
  kind: SectorRegion['kind'];
  label: string;
  a: RegionPlace | null;
  b: RegionPlace | null;
}

/**
 * The regions of the two sector maps that moved, grew, shrank, came or went. A rebuilt ISO's file
 * system usually grows and moves what follows it: shown, but only a region that came or went
 * (an ESP or gap partition lost, say) counts as a difference.
 */
export interface SectorMapDiff {
  changes: RegionChange[];
  regionsAddedOrRemoved: boolean;
}

/** Regions are paired by kind and label, in order (a map may hold two "unused" stretches). */
export function compareSectorMaps(a: readonly SectorRegion[], b: readonly SectorRegion[]): SectorMapDiff {
  const keyed = (map: readonly SectorRegion[]) => {
    const seen = new Map<string, number>();
    return map.map((region) => {
      const base = `${region.kind}\u0000${region.label}`;
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      return { key: `${base}\u0000${count}`, region };
    });
  };
  const [sideA, sideB] = [keyed(a), keyed(b)];
  const inB = new Map(sideB.map(({ key, region }) => [key, region]));
  const inA = new Map(sideA.map(({ key, region }) => [key, region]));
  const place = (r: SectorRegion | undefined) => (r ? { start: r.start, sectors: r.sectors } : null);
  const changes: RegionChange[] = [];
  for (const { key, region } of [...sideA, ...sideB.filter(({ key }) => !inA.has(key))]) {
    const [x, y] = [place(inA.get(key)), place(inB.get(key))];
    if (x && y && x.start === y.start && x.sectors === y.sectors) continue;
    changes.push({ kind: region.kind, label: region.label, a: x, b: y });
  }
  return { changes, regionsAddedOrRemoved: changes.some((c) => !c.a || !c.b) };
}
