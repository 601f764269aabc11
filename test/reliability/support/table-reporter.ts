import type { Reporter } from 'vitest/node';
import { formatTable } from '../../../src/ui/table.ts';
import { endLedger, readLedger, startLedger, type FaultRecord } from './ledger.ts';

const COLUMNS = [
  'injected',
  'builds interrupted',
  'stand-ins interrupted',
  'refused before work',
  'mounts leaked',
  'input bytes changed',
  'partial outputs',
  'processes left',
];

/**
 * Prints the reliability summary from the ledger the tests filled: one row per fault kind, then
 * the totals. Every number is a sum of what measureFault counted; "injected" counts the records whose
 * test really injected a fault (FaultRecord.injected), not ledger lines: checks of ordinary work add 0.
 */
export default class ReliabilityTableReporter implements Reporter {
  onInit(): void {
    startLedger();
  }

  onTestRunEnd(): void {
    const records = readLedger();
    const byFault = new Map<string, FaultRecord[]>();
    for (const record of records) byFault.set(record.fault, [...(byFault.get(record.fault) ?? []), record]);
    const rows = [...byFault].map(([fault, list]) => [fault, ...totals(list)]);
    process.stdout.write(`\nreliability: faults by kind\n${formatTable([['fault', ...COLUMNS], ...rows])}\n`);
    const summary = formatTable([COLUMNS, totals(records)]);
    process.stdout.write(`\nreliability summary\n${summary}\n`);
    const partial = records.flatMap((record) =>
      record.partialOutputNames.map((name) => `${record.fault}: ${name}`),
    );
    if (partial.length) process.stdout.write(`partial outputs left:\n${partial.join('\n')}\n`);
    endLedger();
  }
}

export function totals(records: readonly FaultRecord[]): string[] {
  const sum = (pick: (record: FaultRecord) => number) =>
    records.reduce((total, record) => total + pick(record), 0);
  return [
    sum((record) => (record.injected ? 1 : 0)),
    sum((record) => record.buildsInterrupted),
    sum((record) => record.standInsInterrupted),
    sum((record) => record.refusedBeforeWork),
    sum((record) => record.mountsLeaked),
    sum((record) => record.inputBytesChanged),
    sum((record) => record.partialOutputs),
  ]
    .map(String)
    .concat(countedOnly(records, (record) => record.processesLeft));
}

/** The sum over the records that counted it, or "-" when none did: a cell nobody counted is not a 0. */
function countedOnly(
  records: readonly FaultRecord[],
  pick: (record: FaultRecord) => number | undefined,
): string {
  const counted = records.map(pick).filter((value): value is number => value !== undefined);
  return counted.length ? String(counted.reduce((a, b) => a + b, 0)) : '-';
}
