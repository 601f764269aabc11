/** bench/fleet.ts's results file (docs/bench-fleet.json) and the README section made from it. */
import { formatTable } from '../src/ui/table.ts';
import { judge, ratioInterval } from './ratio-interval.ts';

export interface FleetRound {
  /** `isoforge build` of the whole recipe: every variant, one call, a cold layer cache. */
  fleet: number;
  /** One variant of the same recipe (the layer change and its medium), a cold layer cache. */
  single: number;
  /** Each variant of the recipe without its layer change, one call each. */
  mediumOnly: number[];
}

export interface FleetResults {
  measuredAt: string;
  commit: string;
  machine: string;
  loadAverage: { start: number; end: number };
  variants: number;
  rounds: FleetRound[];
}

/** The budget: the fleet takes at most one single-variant build plus N medium-only builds. */
const TARGET = 1;

export function budgetOf(round: FleetRound): number {
  return round.single + round.mediumOnly.reduce((a, b) => a + b, 0);
}

/** The interval of fleet / budget over the rounds (one run of each per round). */
export function fleetInterval(results: FleetResults) {
  return ratioInterval(
    { manual: results.rounds.map(budgetOf), isoforge: results.rounds.map((round) => round.fleet) },
    1,
  );
}

export function renderFleetSection(results: FleetResults): string {
  const f = (x: number) => x.toFixed(1);
  const rows = results.rounds.map((round, i) => {
    const medium = round.mediumOnly.reduce((a, b) => a + b, 0);
    return [
      String(i + 1),
      f(round.fleet),
      f(round.single),
      f(medium),
      f(budgetOf(round)),
      (round.fleet / budgetOf(round)).toFixed(3),
    ];
  });
  const interval = fleetInterval(results);
  const verdict = judge(interval, TARGET);
  const summary = interval
    ? `fleet / budget ${interval.mid.toFixed(3)}, 95 % interval ${interval.low.toFixed(3)} to ${interval.high.toFixed(3)} over ${interval.rounds} rounds: target ≤ ${TARGET} ${verdict}`
    : `no interval (${results.rounds.length} round): target ≤ ${TARGET} undecided`;
  return [
    '```text',
    `${results.variants} variants of one recipe on the sample (seconds, wall)`,
    formatTable([
      ['round', 'fleet build', 'one variant', `${results.variants} medium-only`, 'budget', 'ratio'],
      ...rows,
    ]),
    summary,
    '```',
    '',
    `Measured by \`npm run bench:fleet\` at commit ${results.commit.slice(0, 12)} on ${results.machine}, ${results.measuredAt.slice(0, 10)} (load average ${results.loadAverage.start.toFixed(1)} at the start, ${results.loadAverage.end.toFixed(1)} at the end).`,
  ].join('\n');
}
