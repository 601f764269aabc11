import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What every fault-injection test records, one JSON line each, for the `npm run reliability` table.
 * The table reporter creates the ledger when the run starts and names it in the environment; without
 * it (plain `npm test`) nothing is written, so the suite runs the same either way.
 */
export interface FaultRecord {
  fault: string;
  /**
   * The test really injected a fault: signalled or killed a run (itself or through a fault wrapper),
   * or made the run fail on purpose (corrupt input, a failing command, a full disk, a planted mount,
   * an existing output...). False for checks of ordinary work, which are recorded for their counts.
   */
  injected: boolean;
  /** Builds that started work (printed their first stage) and did not finish successfully. */
  buildsInterrupted: number;
  /** The same for the mount-holding stand-in (started: it took the work lock). */
  standInsInterrupted: number;
  /** Runs refused before any work (bad input, no space...): not interrupted, counted apart. */
  refusedBeforeWork: number;
  /** Mounts at or below the work directory after the fault, as findmnt(8) lists them (must be 0). */
  mountsLeaked: number;
  /** Bytes of the input that differ from its pristine copy when its sha256 changed (must be 0). */
  inputBytesChanged: number;
  /** Files the fault left in the output folder: new since before it, not the finished output (must be 0). */
  partialOutputs: number;
  partialOutputNames: string[];
  /**
   * Processes the fault left running, as ps(1) lists them, where the test counts them (rootless
   * builds: the user's, its subordinate ids', squashfuse); absent where not counted (must be 0).
   */
  processesLeft?: number;
}

const LEDGER_ENV = 'ISOFORGE_RELIABILITY_LEDGER';

/** Starts a ledger private to this run (other vitest runs on the machine must not write into it). */
export function startLedger(): string {
  const path = join(tmpdir(), `isoforge-reliability-${process.pid}.jsonl`);
  writeFileSync(path, '');
  process.env[LEDGER_ENV] = path; // test workers are started after this and inherit it
  return path;
}

export function recordFault(record: FaultRecord): void {
  const path = process.env[LEDGER_ENV];
  if (path && existsSync(path)) appendFileSync(path, `${JSON.stringify(record)}\n`);
}

export function readLedger(): FaultRecord[] {
  const path = process.env[LEDGER_ENV];
  if (!path || !existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FaultRecord);
}

export function endLedger(): void {
  const path = process.env[LEDGER_ENV];
  if (path) rmSync(path, { force: true });
}
