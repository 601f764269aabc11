import type { DigestPatch } from './digest-patches.ts';

/** What changes between the original ISO and the new one. */
export interface IsoChanges {
  replace: { isoPath: string; localPath: string }[];
  remove: string[];
  volumeId?: string;
  /** Digests written into checksum files once the ISO is written (digest-patches.ts). */
  patches?: DigestPatch[];
  /** An ISO path whose data xorriso places after all other file data. */
  last?: string;
}
