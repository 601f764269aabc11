/** bench/rootless.ts's results file (docs/bench-rootless.json) and the README section made from it. */
import { formatTable } from '../src/ui/table.ts';
import { judge, ratioInterval } from './ratio-interval.ts';
import { type BuildRun, stageRows } from './scale-report.ts';

export interface RootlessResults {
  measuredAt: string;
  commit: string;
  machine: string;
  loadAverage: { start: number; end: number };
  /** The live-build configuration whose ISO was remastered, and its size. */
  medium: { name: string; isoBytes: number };
  pageCacheDropped: boolean;
  /** The same recipe built by root and by an ordinary user (rootless mode), interleaved. */
  root: BuildRun[];
  rootless: BuildRun[];
}

/** Issue 23: a rootless build takes at most 1.3 times the root build's time. */
const TARGET = 1.3;
const RUNS_PER_SIDE = 2;

export function rootlessInterval(results: RootlessResults) {
  return ratioInterval(
    { manual: results.root.map((run) => run.wall), isoforge: results.rootless.map((run) => run.wall) },
    RUNS_PER_SIDE,
  );
}

export function renderRootlessSection(results: RootlessResults): string {
  const interval = rootlessInterval(results);
  const f = (x: number) => x.toFixed(2);
  const summary = interval
    ? `rootless / root ${f(interval.mid)}, 95 % interval ${f(interval.low)} to ${f(interval.high)} over ${interval.rounds} rounds: target ≤ ${TARGET} ${judge(interval, TARGET)}`
    : `no interval yet: target ≤ ${TARGET} undecided`;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return [
    '```text',
    `block reuse of the ${results.medium.name} live-build ISO (${mib(results.medium.isoBytes)}): a local .deb, a script and a file (seconds${results.pageCacheDropped ? ', page cache dropped before each run' : ''})`,
    'as root',
    formatTable([['what', 'median', 'range'], ...stageRows(results.root)]),
    'as an ordinary user (rootless mode)',
    formatTable([['what', 'median', 'range'], ...stageRows(results.rootless)]),
    summary,
    '```',
    '',
    `Measured by \`npm run bench:rootless\` at commit ${results.commit.slice(0, 12)} on ${results.machine}, ${results.measuredAt.slice(0, 10)} (load average ${results.loadAverage.start.toFixed(1)} at the start, ${results.loadAverage.end.toFixed(1)} at the end).`,
  ].join('\n');
}
