/**
 * The 95 % interval of the isoforge/manual wall-time ratio from interleaved rounds (manual,
 * isoforge, isoforge, manual: two runs of each side per round). Each round gives one ratio of its
 * sums, so drift across rounds (load, page cache, thermal) cancels inside a round; the interval is
 * Student's t over the rounds' log ratios, turned back into a ratio. Pure: seconds in, numbers out.
 */
export interface RatioInterval {
  low: number;
  /** The geometric mean of the rounds' ratios. */
  mid: number;
  high: number;
  rounds: number;
}

const RUNS_PER_SIDE = 2;

// Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * Null until there are two whole rounds: one round has no spread to measure. The ratio is
 * isoforge over manual; RUNSPERSIDE runs of each side make a round (bench/fleet.ts: one each).
 */
export function ratioInterval(
  wall: { manual: readonly number[]; isoforge: readonly number[] },
  runsPerSide = RUNS_PER_SIDE,
): RatioInterval | null {
  const rounds = Math.min(wall.manual.length, wall.isoforge.length) / runsPerSide;
  const logs: number[] = [];
  for (let round = 0; round < Math.floor(rounds); round++) {
    const sum = (runs: readonly number[]) =>
      runs.slice(round * runsPerSide, (round + 1) * runsPerSide).reduce((a, b) => a + b, 0);
    logs.push(Math.log(sum(wall.isoforge) / sum(wall.manual)));
  }
  const n = logs.length;
  if (n < 2) return null;
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { low: Math.exp(mean - half), mid: Math.exp(mean), high: Math.exp(mean + half), rounds: n };
}

/** Whether the interval is narrower than ±WITHIN of its middle (0.03: ±3 %). */
export function isNarrow(interval: RatioInterval | null, within: number): boolean {
  return (
    interval !== null &&
    interval.high / interval.mid - 1 <= within &&
    1 - interval.low / interval.mid <= within
  );
}

/** "met" only when the whole interval is under the target, "NOT met" when all of it is above. */
export function judge(interval: RatioInterval | null, target: number): 'met' | 'NOT met' | 'undecided' {
  if (interval === null) return 'undecided';
  if (interval.high <= target) return 'met';
  return interval.low > target ? 'NOT met' : 'undecided';
}
