import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildRun } from './scale-report.ts';

/** A build's wall time and its stages, from `isoforge build --json` (stage titles without the layer or boot setup named). */
export function readBuildRun(stdout: string, wall: number): BuildRun {
  const report = JSON.parse(stdout) as { timings: { title: string; seconds: number }[] };
  const stages = Object.fromEntries(
    report.timings.map((t) => [
      t.title.replace(/ layer .*/, ' layer').replace(/ \(boot setup: .*\)/, ''),
      t.seconds,
    ]),
  );
  return { wall, stages };
}

/** WORK in a new folder below PARENT (MODE, when given: another user's build writes there), removed after. */
export async function inFreshDir<T>(
  parent: string,
  work: (dir: string) => Promise<T>,
  mode?: number,
): Promise<T> {
  const dir = await mkdtemp(join(parent, 'run-'));
  if (mode !== undefined) await chmod(dir, mode);
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
