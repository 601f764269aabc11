import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, realpath } from 'node:fs/promises';
import { reportPathsFor } from '../../../src/report/files.ts';
import { findmntAtOrBelow } from './findmnt.ts';
import { recordFault, type FaultRecord } from './ledger.ts';
import type { Driven } from './driver.ts';

/**
 * Every figure of the reliability table, counted from what happened: the runs' own output and exit,
 * the live mount table (as findmnt(8) reads it, not isoforge's own parser), the input's bytes
 * against a pristine copy, and the output folder's files.
 * No test assigns a figure; it hands over what it ran and this module counts.
 */

/** How one run of isoforge (or of the stand-in) ended, read from its output and exit status. */
export interface RunOutcome {
  /** A real `isoforge build`, or the mount-holding stand-in (test/reliability/fixtures/mount-holder.ts). */
  kind: 'build' | 'stand-in';
  /** It printed the line that marks the start of its work (a stage, or the stand-in's lock). */
  started: boolean;
  succeeded: boolean;
  /** The test injected a fault into this run: it sent it a signal, or a fault wrapper on its PATH did. */
  faulted: boolean;
}

const STARTED = {
  // A build prints its first stage's title ("customize layer ...") once it starts real work.
  build: /customize layer /,
  // The stand-in prints LOCKED once it holds the work lock, before its first mount.
  'stand-in': /^LOCKED /,
};

export async function outcomeOf(run: Driven, kind: RunOutcome['kind']): Promise<RunOutcome> {
  const { code } = await run.exit;
  return {
    kind,
    started: run.lines.some((line) => STARTED[kind].test(line)),
    succeeded: code === 0,
    // child.killed: the test's own kill() reached it; faultFired: a wrapper's signal or SIGKILL went out.
    faulted: run.child.killed || (await run.faultFired()),
  };
}

/** What a measurement needs of a scene: its work dir, input (and pristine copy), output folder. */
export interface Measured {
  work: string;
  inputFile: string;
  inputSha256: string;
  /** A file with the input's bytes as they were before the fault, to count changed bytes. */
  pristineInput: string;
  outDir: string;
  /** Files in the output folder before the fault (a previous output is not a partial one). */
  outputsBefore: string[];
}

/** Notes the output folder's files now, so files there before the fault are not counted. */
export async function snapshotOutputs(scene: Measured): Promise<void> {
  scene.outputsBefore = await readdir(scene.outDir);
}

/**
 * Counts the figures after a fault and records them; call it before any clean-up of the test's
 * own, so a leak is counted as it was left. FINAL is the output's file name: when the last run
 * succeeded it is the finished output, not a partial one. WORK overrides the work dir. INJECTED
 * marks a fault the runs do not show (corrupt input, a failing command, a full disk, a planted
 * mount...); a run the test or a fault wrapper signalled counts by itself. PLANTED are mounts the
 * test made itself below the work dir and the guarantee keeps (a refused deletion): not leaks.
 */
export async function measureFault(
  scene: Measured,
  fault: string,
  runs: readonly RunOutcome[],
  options: {
    final?: string;
    work?: string;
    injected?: boolean;
    planted?: readonly string[];
    /** Lists the processes the fault may have left (counted only where the test passes it). */
    processes?: () => Promise<readonly string[]>;
  } = {},
): Promise<FaultRecord> {
  const mounts = await findmntAtOrBelow(options.work ?? scene.work);
  const lastSucceeded = runs.at(-1)?.succeeded ?? false;
  const interrupted = runs.filter((run) => run.started && !run.succeeded);
  const newFiles = (await readdir(scene.outDir)).filter((name) => !scene.outputsBefore.includes(name));
  // A finished build publishes its report beside the ISO (OUTPUT.report.html and .json).
  const finished = options.final ? [options.final, ...Object.values(reportPathsFor(options.final))] : [];
  const partial = newFiles.filter((name) => !(lastSucceeded && finished.includes(name)));
  const record: FaultRecord = {
    fault,
    injected: options.injected === true || runs.some((run) => run.faulted),
    buildsInterrupted: interrupted.filter((run) => run.kind === 'build').length,
    standInsInterrupted: interrupted.filter((run) => run.kind === 'stand-in').length,
    refusedBeforeWork: runs.filter((run) => !run.started && !run.succeeded).length,
    mountsLeaked: withoutPlanted(mounts, await Promise.all((options.planted ?? []).map(realPath))).length,
    inputBytesChanged: await countInputBytesChanged(scene),
    partialOutputs: partial.length,
    partialOutputNames: partial,
    ...(options.processes ? { processesLeft: (await options.processes()).length } : {}),
  };
  recordFault(record);
  return record;
}

/** findmnt lists real paths: a planted point is compared by its real path. */
function realPath(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/** MOUNTS less one entry for each planted mount point (a second mount on the same point is a leak). */
function withoutPlanted(mounts: readonly string[], planted: readonly string[]): string[] {
  const left = [...mounts];
  for (const point of planted) {
    const at = left.indexOf(point);
    if (at >= 0) left.splice(at, 1);
  }
  return left;
}

/** 0 when the input's sha256 is unchanged; otherwise the bytes that differ from the pristine copy. */
export async function countInputBytesChanged(scene: Measured): Promise<number> {
  if ((await sha256(scene.inputFile).catch(() => '')) === scene.inputSha256) return 0;
  return countDifferingBytes(scene.pristineInput, scene.inputFile);
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const CHUNK = 4 * 1024 * 1024;

/** Bytes that differ between two files, position by position, plus the difference in length (a missing file has length 0). */
export async function countDifferingBytes(a: string, b: string): Promise<number> {
  await using first = await open(a, 'r');
  await using second = await open(b, 'r').catch(() => open('/dev/null', 'r'));
  const [sizeA, sizeB] = [(await first.stat()).size, (await second.stat()).size];
  const bufferA = Buffer.alloc(CHUNK);
  const bufferB = Buffer.alloc(CHUNK);
  let differing = Math.abs(sizeA - sizeB);
  for (let offset = 0; offset < Math.min(sizeA, sizeB); offset += CHUNK) {
    const { bytesRead } = await first.read(bufferA, 0, CHUNK, offset);
    await second.read(bufferB, 0, bytesRead, offset);
    if (bufferA.subarray(0, bytesRead).equals(bufferB.subarray(0, bytesRead))) continue;
    for (let i = 0; i < bytesRead; i++) if (bufferA[i] !== bufferB[i]) differing++;
  }
  return differing;
}
