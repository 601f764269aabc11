import { isGapPartitionName } from '../iso/gpt.ts';
import { formatBytes } from '../ui/format.ts';
import type { BootSetup } from './boot.ts';

/** One stretch of the image, in 512-byte sectors (the unit fdisk and the seed guide use). */
export interface SectorRegion {
  kind:
    | 'system-area'
    | 'iso-filesystem'
    | 'efi-partition'
    | 'gap-partition'
    | 'partition'
    | 'unused'
    | 'gpt-backup';
  label: string;
  start: number;
  end: number;
  sectors: number;
}

const EFI_SYSTEM = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';

interface Span {
  start: number;
  sectors: number;
  kind: SectorRegion['kind'];
  label: string;
}

/** The allocation map of the seed guide's last section: system area, ISO file system, ESP, gap. */
export function makeSectorMap(boot: BootSetup, isoSectors: number, totalSectors: number): SectorRegion[] {
  const spans = partitionSpans(boot, isoSectors);
  const regions: SectorRegion[] = [];
  let cursor = 0;
  const push = (start: number, sectors: number, kind: SectorRegion['kind'], label: string) => {
    if (sectors > 0) regions.push({ kind, label, start, end: start + sectors - 1, sectors });
  };
  // A partition from sector 0 (isohybrid) holds the system area too: show those 32 KiB apart.
  const first = spans[0];
  const firstStart =
    first?.start === 0 && first.kind === 'iso-filesystem' ? 64 : (first?.start ?? totalSectors);
  push(0, Math.min(64, firstStart), 'system-area', 'System area: MBR, GPT, boot code');
  cursor = Math.min(64, firstStart);
  for (const span of spans) {
    if (span.start > cursor) push(cursor, span.start - cursor, 'unused', 'unused');
    const start = Math.max(span.start, cursor);
    push(start, span.start + span.sectors - start, span.kind, span.label);
    cursor = Math.max(cursor, span.start + span.sectors);
  }
  if (cursor < totalSectors) {
    const kind = boot.gpt ? 'gpt-backup' : 'unused';
    push(cursor, totalSectors - cursor, kind, boot.gpt ? 'GPT backup header and entries' : 'padding');
  }
  return regions;
}

function partitionSpans(boot: BootSetup, isoSectors: number): Span[] {
  if (boot.gpt?.partitions.length) {
    return boot.gpt.partitions.map((p) => ({
      start: p.start,
      sectors: p.sectors,
      ...classify(p.index, p.name, p.typeGuid, p.typeName),
    }));
  }
  const mbrParts = (boot.mbr?.partitions ?? []).filter(
    (p) => p.typeId !== 0 && p.typeId !== 0xee && p.sectors > 1,
  );
  if (mbrParts.length) {
    return mbrParts.map((p) => ({
      start: p.start,
      sectors: p.sectors,
      ...(p.typeId === 0xef
        ? { kind: 'efi-partition' as const, label: `EFI System (MBR ${p.type})` }
        : p.start < isoSectors
          ? { kind: 'iso-filesystem' as const, label: `ISO 9660 file system (MBR ${p.type})` }
          : { kind: 'partition' as const, label: `partition ${p.index} (${p.type})` }),
    }));
  }
  return [
    {
      start: 64,
      sectors: Math.max(isoSectors - 64, 0),
      kind: 'iso-filesystem',
      label: 'ISO 9660 file system',
    },
  ];
}

function classify(
  index: number,
  name: string,
  typeGuid: string,
  typeName: string,
): Pick<Span, 'kind' | 'label'> {
  // xorriso's Gap fillers may come first (Gap0) when no partition holds the ISO itself.
  const gap = isGapPartitionName(name);
  if (gap && index === 1) return { kind: 'iso-filesystem', label: `ISO 9660 file system (in ${name})` };
  if (gap) return { kind: 'gap-partition', label: `gap partition ${name} (${typeName})` };
  if (index === 1) return { kind: 'iso-filesystem', label: `ISO 9660 file system (${typeName})` };
  if (typeGuid === EFI_SYSTEM) return { kind: 'efi-partition', label: 'EFI System partition (hidden ESP)' };
  return { kind: 'partition', label: `${name || 'partition'} (${typeName})` };
}

/** The map as text: one line per region with start, end, size, a bar scaled to the image, and what it is. */
export function formatSectorMap(regions: readonly SectorRegion[], width = 24): string {
  const total = (regions.at(-1)?.end ?? 0) + 1;
  const lines = [
    `     start         end     sectors  size       ${'share'.padEnd(width)}  region (512-byte sectors)`,
  ];
  for (const r of regions) {
    const bar = '#'.repeat(Math.max(1, Math.round((r.sectors / total) * width))).padEnd(width, '.');
    const numbers = [r.start, r.end, r.sectors].map((n) => String(n).padStart(10)).join('  ');
    lines.push(`${numbers}  ${formatBytes(r.sectors * 512).padEnd(9)}  ${bar}  ${r.label}`);
  }
  return lines.join('\n');
}

export { formatBytes };
