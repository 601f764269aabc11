import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { removeTree } from '../../src/safety/remove.ts';
import { ensureCachedSampleIso } from '../../src/sample/index.ts';

/**
 * Builds the sample ISO (plain, and Secure Boot for the boot tests) into the cache once, before any
 * test file starts, so no test spends its timeout on it; the tests' ensureSampleIso then hits the
 * cache. Unit tests never read the sample: a run of only those builds nothing.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const removeRunTmp = await useRunTmpdir();
  // Every build customizes its layers, as the tests expect (a kill mid-mksquashfs must find one);
  // the layer cache's own tests turn it on with ISOFORGE_NO_CACHE='' and a private ISOFORGE_CACHE_DIR.
  process.env.ISOFORGE_NO_CACHE ??= '1';
  // Internal in vitest 3: the file filters given on the command line (undefined = the whole suite).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const only = (folders: string[]) =>
    filters.length > 0 && filters.every((filter) => folders.some((folder) => filter.includes(folder)));
  if (only(['test/unit'])) return removeRunTmp;
  // Only the QEMU boot tests (test/e2e) boot the signed sample.
  const withSecureBoot = !only(['test/unit', 'test/integration', 'test/reliability']);
  const say = (line: string): void => void process.stderr.write(`global setup: sample: ${line}\n`);
  const started = Date.now();
  for (const secureBoot of withSecureBoot ? [false, true] : [false]) {
    const { path, cached } = await ensureCachedSampleIso({ secureBoot, onStage: say });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(`${path} ${cached ? 'from the cache' : 'built'} (${seconds}s)`);
  }
  return removeRunTmp;
}

/**
 * Points TMPDIR (the workers inherit it) at one folder for this run and returns its removal: the
 * tests' scratch folders (a debian-live build alone leaves 1 GB) go with the run instead of piling
 * up in /tmp. The removal refuses to delete through a mount a test left behind, and says so.
 * ISOFORGE_KEEP_TEST_TMP=1 keeps the folder to look into after a failure.
 */
async function useRunTmpdir(): Promise<() => Promise<void>> {
  const runTmp = await mkdtemp(join(tmpdir(), 'isoforge-test-run-'));
  process.env.TMPDIR = runTmp;
  return async () => {
    if (process.env.ISOFORGE_KEEP_TEST_TMP) {
      process.stderr.write(`global teardown: kept ${runTmp}\n`);
      return;
    }
    await removeTree(runTmp, { within: dirname(runTmp) });
  };
}
