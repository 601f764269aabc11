import type { IsoReport } from '../inspect/inspect.ts';

/** One field that differs: its name and both values. */
export interface FieldChange {
  field: string;
  a: string | number | boolean | null;
  b: string | number | boolean | null;
}

export interface VolumeDiff {
  changes: FieldChange[];
  /**
   * The creation and modification dates: every rebuild writes new ones, so they are shown but never
   * make two ISOs "different" (`diff A A` and two builds of one recipe would otherwise never agree).
   */
  dates: FieldChange[];
}

/** The volume descriptor fields, sizes and file system extensions that differ. */
export function compareVolume(a: IsoReport, b: IsoReport): VolumeDiff {
  const fields = (r: IsoReport) => ({
    volumeId: r.volumeId,
    systemId: r.volume.systemId,
    volumeSetId: r.volume.volumeSetId,
    publisherId: r.volume.publisherId,
    preparerId: r.volume.preparerId,
    applicationId: r.volume.applicationId,
    sizeBytes: r.sizeBytes,
    volumeBlocks: r.volume.volumeBlocks,
    joliet: r.joliet,
    rockRidge: r.rockRidge,
    layout: r.layout,
    diskInfo: r.diskInfo,
  });
  const dates = (r: IsoReport) => ({ created: r.volume.created, modified: r.volume.modified });
  return { changes: changedFields(fields(a), fields(b)), dates: changedFields(dates(a), dates(b)) };
}

type Scalar = FieldChange['a'];

export function changedFields<T extends Record<string, Scalar>>(a: T, b: T): FieldChange[] {
  return Object.keys(a)
    .filter((field) => a[field] !== b[field])
    .map((field) => ({ field, a: a[field] ?? null, b: b[field] ?? null }));
}
