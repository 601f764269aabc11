import type { TestProject } from 'vitest/node';
import { ensureCachedSampleIso } from '../../src/sample/index.ts';

/**
 * Builds the sample ISO (plain, and Secure Boot for the boot tests) into the cache once, before any
 * test file starts, so no test spends its timeout on it; the tests' ensureSampleIso then hits the
 * cache. Unit tests never read the sample: a run of only those builds nothing.
 */
export default async function setup(project: TestProject): Promise<void> {
  // Every build customizes its layers, as the tests expect (a kill mid-mksquashfs must find one);
  // the layer cache's own tests turn it on with ISOFORGE_NO_CACHE='' and a private ISOFORGE_CACHE_DIR.
  process.env.ISOFORGE_NO_CACHE ??= '1';
  // Internal in vitest 3: the file filters given on the command line (undefined = the whole suite).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const only = (folders: string[]) =>
    filters.length > 0 && filters.every((filter) => folders.some((folder) => filter.includes(folder)));
  if (only(['test/unit'])) return;
  // Only the QEMU boot tests (test/e2e) boot the signed sample.
  const withSecureBoot = !only(['test/unit', 'test/integration', 'test/reliability']);
  const say = (line: string): void => void process.stderr.write(`global setup: sample: ${line}\n`);
  const started = Date.now();
  for (const secureBoot of withSecureBoot ? [false, true] : [false]) {
    const { path, cached } = await ensureCachedSampleIso({ secureBoot, onStage: say });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(`${path} ${cached ? 'from the cache' : 'built'} (${seconds}s)`);
  }
}
