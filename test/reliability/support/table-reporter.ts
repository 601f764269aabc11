import type { Reporter } from 'vitest/node';
import { formatTable } from '../../../src/ui/table.ts';
import { endLedger, readLedger, startLedger, type FaultRecord } from './ledger.ts';

/** Prints the reliability summary: faults injected, builds interrupted, and the three must-be-zero counts. */
export default class ReliabilityTableReporter implements Reporter {
  onInit(): void {
    startLedger();
  }

  onTestRunEnd(): void {
    const records = readLedger();
    const byFault = new Map<string, FaultRecord[]>();
    for (const record of records) byFault.set(record.fault, [...(byFault.get(record.fault) ?? []), record]);
    const rows = [...byFault].map(([fault, list]) => [fault, ...totals(list).map(String)]);
    const header = [
      'fault',
      'injected',
      'interrupted',
      'mounts leaked',
      'input bytes changed',
      'partial outputs',
    ];
    process.stdout.write(`\nreliability: faults by kind\n${formatTable([header, ...rows])}\n`);
    const [injected, interrupted, leaked, changed, partial] = totals(records);
    const summary = formatTable([
      [
        'faults injected',
        'builds interrupted',
        'mounts leaked',
        'bytes of input changed',
        'partial outputs left',
      ],
      [injected, interrupted, leaked, changed, partial].map(String),
    ]);
    process.stdout.write(`\nreliability summary\n${summary}\n`);
    endLedger();
  }
}

function totals(records: readonly FaultRecord[]): number[] {
  const sum = (pick: (record: FaultRecord) => number) =>
    records.reduce((total, record) => total + pick(record), 0);
  return [
    records.length,
    sum((record) => Number(record.interrupted)),
    sum((record) => record.mountsLeaked),
    sum((record) => record.inputBytesChanged),
    sum((record) => record.partialOutputs),
  ];
}
