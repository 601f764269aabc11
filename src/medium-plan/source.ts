import type { MediumLayout } from '../distro/layouts/index.ts';
import type { IsoReport } from '../inspect/inspect.ts';

/** What the medium's planners read of a build: the input as inspected, its small files, its family. */
export interface MediumSource {
  original: IsoReport;
  /** The small files of the input a build rewrites (install sources, checksum files), by ISO path. */
  mediumFiles: ReadonlyMap<string, string>;
  layout: MediumLayout;
  /** The recipe's new volume id, if any. */
  volumeId?: string;
}
