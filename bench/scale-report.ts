/** bench/scale.ts's results file (docs/bench-scale.json) and the README section made from it. */
import { formatTable } from '../src/ui/table.ts';
import { judge, ratioInterval } from './ratio-interval.ts';

/** One run of the build: its wall time and each stage's seconds (the build's --json timings). */
export interface BuildRun {
  wall: number;
  stages: Record<string, number>;
}

export interface ScaleResults {
  measuredAt: string;
  commit: string;
  machine: string;
  loadAverage: { start: number; end: number };
  /** The 2 GB-class medium: its size and the grown layer's. */
  medium: { isoBytes: number; layerBytes: number };
  pageCacheDropped: boolean;
  /** `cp` + `sync` of the medium, and the build of a one-file change to its big layer, interleaved. */
  copy: number[];
  build: BuildRun[];
  /** The same one-file change on the sample itself (page cache warm: the fixed costs). */
  sample: BuildRun[];
}

/** Issue 24: the build of a one-file change at most 3 times a copy of the medium. */
const TARGET = 3;
const RUNS_PER_SIDE = 2;

export function scaleInterval(results: ScaleResults) {
  return ratioInterval(
    { manual: results.copy, isoforge: results.build.map((run) => run.wall) },
    RUNS_PER_SIDE,
  );
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Each stage's median and range over the runs, in the order the build ran them. */
export function stageRows(runs: readonly BuildRun[]): string[][] {
  const titles = [...new Set(runs.flatMap((run) => Object.keys(run.stages)))];
  const f = (x: number) => x.toFixed(2);
  const row = (title: string, values: number[]) => [
    title,
    f(median(values)),
    `${f(Math.min(...values))}-${f(Math.max(...values))}`,
  ];
  return [
    ...titles.map((title) =>
      row(
        title,
        runs.map((run) => run.stages[title] ?? 0),
      ),
    ),
    row(
      'total (wall, with start-up)',
      runs.map((run) => run.wall),
    ),
  ];
}

export function renderScaleSection(results: ScaleResults): string {
  const interval = scaleInterval(results);
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const f = (x: number) => x.toFixed(2);
  const summary = interval
    ? `build / copy ${f(interval.mid)}, 95 % interval ${f(interval.low)} to ${f(interval.high)} over ${interval.rounds} rounds: target ≤ ${TARGET} ${judge(interval, TARGET)}`
    : `no interval yet: target ≤ ${TARGET} undecided`;
  return [
    '```text',
    `one-file change to the ${gib(results.medium.layerBytes)} layer of a ${gib(results.medium.isoBytes)} medium (default build, caches on; seconds${results.pageCacheDropped ? ', page cache dropped before each run' : ''})`,
    formatTable([
      ['what', 'median', 'range'],
      [
        'cp + sync of the medium',
        f(median(results.copy)),
        `${f(Math.min(...results.copy))}-${f(Math.max(...results.copy))}`,
      ],
      ...stageRows(results.build),
    ]),
    summary,
    '',
    'the same change on the sample (page cache warm)',
    formatTable([['what', 'median', 'range'], ...stageRows(results.sample)]),
    '```',
    '',
    `Measured by \`npm run bench:scale\` at commit ${results.commit.slice(0, 12)} on ${results.machine}, ${results.measuredAt.slice(0, 10)} (load average ${results.loadAverage.start.toFixed(1)} at the start, ${results.loadAverage.end.toFixed(1)} at the end).`,
  ].join('\n');
}
