import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What every fault-injection test records, one JSON line each, for the `npm run reliability` table.
 * The table reporter creates the ledger when the run starts; without it (plain `npm test`) nothing is
 * written, so the suite runs the same either way.
 */
export interface FaultRecord {
  fault: string;
  /** The fault stopped a build (or the build driver) before it finished. */
  interrupted: boolean;
  /** Mount points left below the work directory after the documented recovery (must be 0). */
  mountsLeaked: number;
  /** Bytes of the input that differ afterwards (sha256 changed: its size is counted; must be 0). */
  inputBytesChanged: number;
  /** Output files or temporaries left by a run that did not succeed (must be 0). */
  partialOutputs: number;
}

export const LEDGER_PATH =
  process.env.ISOFORGE_RELIABILITY_LEDGER ?? join(tmpdir(), 'isoforge-reliability-ledger.jsonl');

export function startLedger(): void {
  writeFileSync(LEDGER_PATH, '');
}

export function recordFault(record: FaultRecord): void {
  if (existsSync(LEDGER_PATH)) appendFileSync(LEDGER_PATH, `${JSON.stringify(record)}\n`);
}

export function readLedger(): FaultRecord[] {
  if (!existsSync(LEDGER_PATH)) return [];
  return readFileSync(LEDGER_PATH, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FaultRecord);
}
