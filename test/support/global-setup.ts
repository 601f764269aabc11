import type { TestProject } from 'vitest/node';
import { ensureCachedSampleIso } from '../../src/sample/index.ts';

/**
 * Builds the sample ISO (plain and Secure Boot) into the cache once, before any test file starts,
 * so no test spends its timeout on it; the tests' ensureSampleIso then hits the cache. Skipped when
 * the run selects unit tests only (they never read the sample).
 */
export default async function setup(project: TestProject): Promise<void> {
  // Internal in vitest 3: the file filters given on the command line (undefined = the whole suite).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  if (filters?.length && filters.every((filter) => filter.includes('test/unit'))) return;
  const say = (line: string): void => void process.stderr.write(`global setup: sample: ${line}\n`);
  const started = Date.now();
  for (const secureBoot of [false, true]) {
    const { path, cached } = await ensureCachedSampleIso({ secureBoot, onStage: say });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(`${path} ${cached ? 'from the cache' : 'built'} (${seconds}s)`);
  }
}
