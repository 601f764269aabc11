import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { type PendingOutput, prepareOutput } from '../safety/atomic.ts';
import { REPORT_FORMAT, type ReportData } from './model.ts';
import { renderReportHtml } from './render.ts';

/** The report data's name inside a work directory. */
export const WORK_DIR_REPORT = 'report.json';

/** Where a build of OUTPUT puts its report (OUTPUT.report.html) and the data behind it (.json). */
export function reportPathsFor(output: string): { html: string; json: string } {
  const stem = output.replace(/\.iso$/i, '');
  return { html: `${stem}.report.html`, json: `${stem}.report.json` };
}

/** Writes TEXT to PATH so the file appears only complete (temp name, fsync, rename), replacing it. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await using pending = await prepareOutput(path, { force: true });
  await writeFile(pending.tempPath, text);
  await pending.commit();
}

/** Renders DATA to its HTML file (or HTMLPATH) and returns the path written. */
export async function writeReportHtml(data: ReportData, htmlPath = data.htmlPath): Promise<string> {
  await writeAtomically(htmlPath, renderReportHtml(data));
  return htmlPath;
}

/** Saves DATA as JSON at PATH, for `isoforge report` to render again. */
export async function saveReportData(data: ReportData, path: string): Promise<void> {
  await writeAtomically(path, reportJson(data));
}

function reportJson(data: ReportData): string {
  return `${JSON.stringify(data)}\n`;
}

export interface PendingReport extends AsyncDisposable {
  /** Renames the finished HTML and JSON into place; nothing appears before. */
  commit(): Promise<void>;
}

/**
 * Writes the HTML report and its data (JSONPATH) under temporary names beside them, so a build
 * publishes them together with its ISO: commit renames them, dispose removes what was not committed.
 */
export async function prepareReportFiles(data: ReportData, jsonPath: string): Promise<PendingReport> {
  const pending: PendingOutput[] = [];
  const dispose = async () => {
    for (const output of pending) await output[Symbol.asyncDispose]();
  };
  try {
    for (const [path, text] of [
      [data.htmlPath, renderReportHtml(data)],
      [jsonPath, reportJson(data)],
    ] as const) {
      const output = await prepareOutput(path, { force: true });
      pending.push(output);
      await writeFile(output.tempPath, text);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    async commit() {
      for (const output of pending) await output.commit();
    },
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * The report data of a build, found from what a user has at hand: the work directory
 * (WORKDIR/report.json) or the output ISO (OUTPUT.report.json beside it).
 */
export async function readReportData(workDirOrIso: string): Promise<{ data: ReportData; file: string }> {
  const isDir = (await stat(workDirOrIso).catch(() => undefined))?.isDirectory() ?? false;
  const file = isDir ? join(workDirOrIso, WORK_DIR_REPORT) : reportPathsFor(workDirOrIso).json;
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new InputError(`no build report data at ${file}`, {
      hint: 'name the work directory or the output ISO of a finished `isoforge build`',
      cause: error,
    });
  });
  let data: Partial<ReportData>;
  try {
    data = JSON.parse(text) as Partial<ReportData>;
  } catch (error) {
    throw new InputError(`${file} is not JSON: ${(error as Error).message}`, {
      hint: 'build again to write it anew',
      cause: error,
    });
  }
  if (data.format !== REPORT_FORMAT)
    throw new InputError(
      `${file} is not isoforge report data (format ${String(data.format)}, expected ${REPORT_FORMAT})`,
      {
        hint: 'build again with this isoforge to write it anew',
      },
    );
  return { data: data as ReportData, file };
}
