import type { MilestoneHit } from '../boottest/index.ts';
import type { IsoDiff } from '../diff/diff.ts';
import type { SectorRegion } from '../inspect/sectormap.ts';
import type { StageTiming } from '../ui/stages.ts';
import type { VerifyReport } from '../verify/verify.ts';

/** The version of the saved report data; `isoforge report` refuses another. */
export const REPORT_FORMAT = 'isoforge-report/1';

/**
 * Everything the build report shows, as plain data: the build saves it as JSON so
 * `isoforge report` renders the same page again without the build.
 */
export interface ReportData {
  format: typeof REPORT_FORMAT;
  createdAt: string;
  /** Where the HTML goes unless `isoforge report --out` says otherwise. */
  htmlPath: string;
  recipe: { path: string; text: string };
  input: ReportImage;
  output: ReportImage;
  stages: StageTiming[];
  layers: ReportLayer[];
  diff: IsoDiff;
  verify: VerifyReport;
  /** What the build changed of the setup xorriso decides itself (recipe standardBootSetup); absent in older data. */
  setupChanges?: string[];
  boots: ReportBoot[];
  /** Set when the build was up to date: the ISO and this data came from the build cache. */
  buildCache?: { key: string; builtAt: string };
}

export interface ReportImage {
  path: string;
  volumeId: string;
  sizeBytes: number;
  sectorMap: SectorRegion[];
}

/** One layer of the medium before and after: every layer, rebuilt or carried over. */
export interface ReportLayer {
  name: string;
  rebuilt: boolean;
  /** The recipe's target that named a rebuilt layer (installer, system, system:ID). Absent in older data. */
  target?: string | null;
  /** Of a rebuilt layer: customized by this build, or taken from the layer cache. Absent in older data. */
  from?: 'built' | 'cache' | null;
  squashfsBefore: number | null;
  squashfsAfter: number | null;
  /** Unpacked sizes; null where the medium records none (Debian live, some casper media). */
  unpackedBefore: number | null;
  unpackedAfter: number | null;
  pathsChanged: number | null;
  /**
   * Set when an earlier build customized this layer from the same inputs (the same layer key): whether
   * the bytes came out the same, else the changed paths whose content differs. Absent in older data.
   */
  reproducibility?: ReportReproducibility | null;
  /** Processes the layer's steps left running, ended with their sandboxes. Absent in older data. */
  ended?: ReportEndedProcess[] | null;
}

export interface ReportEndedProcess {
  /** The step as the build's progress names it. */
  step: string;
  /** Its pid inside the step's sandbox. */
  pid: number;
  command: string;
}

export interface ReportReproducibility {
  /** When the earlier build made the layer (ISO 8601). */
  comparedWith: string;
  identical: boolean;
  differingFiles: string[];
}

export interface ReportBoot {
  /** firmware/media, as the recipe's verify.boot names it. */
  mode: string;
  firmware: string;
  media: string;
  passed: boolean;
  /** How it ended, in words (describeEnd). */
  end: string;
  seconds: number;
  matched: string | null;
  milestones: MilestoneHit[];
  tail: string[];
  /** The screen when the boot passed, as base64 PNG bytes (null: no picture). */
  screenshotPng: string | null;
}
