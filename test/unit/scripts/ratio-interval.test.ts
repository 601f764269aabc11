import { describe, expect, it } from 'vitest';
import { isNarrow, judge, ratioInterval } from '../../../bench/ratio-interval.ts';

describe("the bench's ratio interval", () => {
  it('is Student t over the rounds: three rounds of the stored full-repack runs', () => {
    // Rounds of (manual, isoforge, isoforge, manual) as docs/bench-remaster.json keeps them.
    const wall = {
      manual: [166, 134.7, 137.5, 138.3, 142.9, 142.6],
      isoforge: [141.3, 133.5, 144.7, 145.8, 132.3, 131.8],
    };
    const interval = ratioInterval(wall);
    // By hand: round ratios 274.8/300.7, 290.5/275.8, 264.1/285.5; t(2) = 4.303 on their logs.
    expect(interval?.rounds).toBe(3);
    expect(interval?.mid).toBeCloseTo(0.962, 3);
    expect(interval?.low).toBeCloseTo(0.791, 2);
    expect(interval?.high).toBeCloseTo(1.17, 2);
    expect(judge(interval, 1)).toBe('undecided');
    expect(isNarrow(interval, 0.03)).toBe(false);
  });

  it('needs two rounds, and calls a target met only when the whole interval is under it', () => {
    expect(ratioInterval({ manual: [10, 10], isoforge: [9, 9] })).toBeNull();
    const tight = ratioInterval({ manual: [10, 10, 10, 10, 10, 10], isoforge: [9, 9.1, 9.05, 9, 9, 9.1] });
    expect(judge(tight, 1)).toBe('met');
    expect(judge(tight, 0.5)).toBe('NOT met');
    expect(isNarrow(tight, 0.03)).toBe(true);
  });

  it('takes one run per side per round for the fleet bench: two rounds give an interval', () => {
    expect(ratioInterval({ manual: [100], isoforge: [80] }, 1)).toBeNull();
    const interval = ratioInterval({ manual: [100, 100], isoforge: [80, 82] }, 1);
    expect(interval?.rounds).toBe(2);
    expect(interval?.mid).toBeCloseTo(Math.sqrt(0.8 * 0.82), 6);
  });
});
