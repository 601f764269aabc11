/** Disk geometry of an MBR's CHS fields: heads per cylinder, sectors per head. */
export interface Geometry {
  heads: number;
  sectors: number;
}

const LAST_CYLINDER = 1023;

/**
 * The three CHS bytes of 512-byte sector LBA, as libisofs writes them (system_area.c,
 * iso_compute_cyl_head_sec): past cylinder 1023 they saturate at (1023, heads - 1, sectors).
 */
export function encodeChs(lba: number, { heads, sectors }: Geometry): number[] {
  let cylinder = Math.floor(lba / (heads * sectors));
  const rest = lba - cylinder * heads * sectors;
  let head = Math.floor(rest / sectors);
  let sector = rest - head * sectors + 1;
  if (cylinder > LAST_CYLINDER) [cylinder, head, sector] = [LAST_CYLINDER, heads - 1, sectors];
  return [head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff];
}

/** One MBR partition entry's addresses: what its CHS bytes encode. */
export interface ChsEntry {
  start: number;
  sectors: number;
  startChs: readonly number[];
  endChs: readonly number[];
}

/**
 * Every geometry (heads 1..255, sectors 1..63) under which each entry's CHS bytes are what libisofs
 * would write for its start and last sector. Entries whose CHS bytes are all zero say nothing.
 */
export function geometriesOf(entries: readonly ChsEntry[]): Geometry[] {
  const telling = entries.filter((e) => [...e.startChs, ...e.endChs].some((byte) => byte !== 0));
  const found: Geometry[] = [];
  for (let heads = 1; heads <= 255; heads++)
    for (let sectors = 1; sectors <= 63; sectors++) {
      const geometry = { heads, sectors };
      const fits = telling.every(
        (e) =>
          sameBytes(encodeChs(e.start, geometry), e.startChs) &&
          sameBytes(encodeChs(e.start + e.sectors - 1, geometry), e.endChs),
      );
      if (fits) found.push(geometry);
    }
  return found;
}

function sameBytes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The CHS bytes of LBA under every one of GEOMETRIES, or null when they do not all agree. */
export function agreedChs(lba: number, geometries: readonly Geometry[]): number[] | null {
  const [first, ...rest] = geometries.map((geometry) => encodeChs(lba, geometry));
  if (!first) return null;
  return rest.every((bytes) => sameBytes(bytes, first)) ? first : null;
}
