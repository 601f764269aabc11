import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { type BootResult, describeEnd } from '../boottest/index.ts';
import { diffIsos, type IsoDiff } from '../diff/diff.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import type { StageTiming } from '../ui/stages.ts';
import type { VerifyReport } from '../verify/verify.ts';
import { type PendingReport, prepareReportFiles, reportPathsFor, saveReportData } from './files.ts';
import {
  REPORT_FORMAT,
  type ReportBoot,
  type ReportData,
  type ReportLayer,
  type ReportEndedProcess,
  type ReportReproducibility,
} from './model.ts';

/** What the report shows of the build: its input, its output and the boot setup it changed. */
export interface ReportedBuild {
  input: string;
  output: string;
  original: IsoReport;
  setupChanges: string[];
}

/** What the report shows of a layer the build rebuilt (the cache's BuiltLayer has these). */
export interface RebuiltLayer {
  name: string;
  /** The recipe's target that named the layer (installer, system, system:ID), if not its name. */
  target?: string;
  cached?: boolean;
  sizeBytes: number;
  changed: readonly string[];
  reproducibility?: ReportReproducibility;
  ended?: readonly ReportEndedProcess[];
}

export interface BuildReportInputs {
  plan: ReportedBuild;
  recipePath: string;
  /** Where the report's data is kept in the work directory. */
  dataPath: string;
  layers: readonly RebuiltLayer[];
  verify: VerifyReport;
  /** The written ISO as the verify stage inspected it. */
  written: IsoReport;
  timings: readonly StageTiming[];
  boots: readonly { mode: string; result: BootResult }[];
  /** The finished ISO, still under its temporary name. */
  tempPath: string;
  /** Where the HTML goes (`--report`); default OUTPUT.report.html beside the ISO. */
  htmlPath?: string;
}

export interface BuildReport extends PendingReport {
  html: string;
  diff: IsoDiff;
  /** What the report shows, for the build cache to keep. */
  data: ReportData;
}

/**
 * Before the ISO is published: compares it with the input and writes the HTML report and the data
 * behind it (beside the ISO, for `isoforge report`) under temporary names; commit publishes them.
 * The data also goes into the work directory at once.
 */
export async function prepareBuildReport(inputs: BuildReportInputs): Promise<BuildReport> {
  const { plan } = inputs;
  // Read under the temporary name, shown under the name it is about to get.
  const raw = await diffIsos(plan.input, inputs.tempPath, { a: plan.original, b: inputs.written });
  const diff = { ...raw, b: { ...raw.b, path: plan.output } };
  const output = { ...inputs.written, path: plan.output };
  const paths = reportPathsFor(plan.output);
  const data: ReportData = {
    format: REPORT_FORMAT,
    createdAt: new Date().toISOString(),
    htmlPath: resolve(inputs.htmlPath ?? paths.html),
    recipe: { path: resolve(inputs.recipePath), text: await readFile(inputs.recipePath, 'utf8') },
    input: imageOf(plan.original),
    output: imageOf(output),
    stages: [...inputs.timings],
    layers: layerSizes(plan.original, output, inputs.layers),
    diff,
    verify: inputs.verify,
    setupChanges: plan.setupChanges,
    boots: await Promise.all(inputs.boots.map(({ mode, result }) => bootOf(mode, result))),
  };
  await saveReportData(data, inputs.dataPath);
  return { ...(await prepareReportFiles(data, paths.json)), html: data.htmlPath, diff, data };
}

/** Refuses a --report path whose folder does not exist before any work starts, not after the ISO. */
export async function checkReportPath(htmlPath: string | undefined): Promise<void> {
  if (htmlPath === undefined) return;
  const folder = await stat(dirname(resolve(htmlPath))).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new InputError(`the folder of the report ${htmlPath} does not exist`, { hint: 'create it first' });
}

function imageOf(report: IsoReport): ReportData['input'] {
  return {
    path: report.path,
    volumeId: report.volumeId,
    sizeBytes: report.sizeBytes,
    sectorMap: report.sectorMap,
  };
}

/** Every layer of input and output by name, with what the build measured of the ones it rebuilt. */
function layerSizes(input: IsoReport, output: IsoReport, rebuilt: readonly RebuiltLayer[]): ReportLayer[] {
  const names = [...new Set([...input.layers, ...output.layers].map((layer) => layer.name))];
  return names.map((name) => {
    const before = input.layers.find((layer) => layer.name === name);
    const after = output.layers.find((layer) => layer.name === name);
    const result = rebuilt.find((layer) => layer.name === name);
    return {
      name,
      rebuilt: result !== undefined,
      target: result?.target ?? null,
      from: result ? (result.cached ? 'cache' : 'built') : null,
      squashfsBefore: before?.sizeBytes ?? null,
      squashfsAfter: after?.sizeBytes ?? null,
      unpackedBefore: before?.recordedSize ?? null,
      unpackedAfter: result?.sizeBytes ?? after?.recordedSize ?? null,
      pathsChanged: result?.changed.length ?? null,
      reproducibility: result?.reproducibility ?? null,
      ended: result?.ended ? [...result.ended] : null,
    };
  });
}

async function bootOf(mode: string, result: BootResult): Promise<ReportBoot> {
  const png = result.screenshot ? await readFile(result.screenshot).catch(() => null) : null;
  return {
    mode,
    firmware: result.firmware,
    media: result.media,
    passed: result.passed,
    end: describeEnd(result),
    seconds: result.seconds,
    matched: result.matched,
    milestones: result.milestones,
    tail: result.tail,
    screenshotPng: png ? png.toString('base64') : null,
  };
}
