import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { removeTree } from '../../src/safety/remove.ts';
import { ensureCachedSampleIso } from '../../src/sample/index.ts';
import { LIVE_BUILD_READERS, suiteLiveBuildConfigs } from './fixtures.ts';
import { claimLiveBuild } from './live-build.ts';

/**
 * Builds every fixture the selected test files read, once, so no test spends its timeout on one and
 * none finds one missing: the sample ISO (plain, and Secure Boot for the boot tests) before any test
 * file starts, and this run's live-build ISOs (support/fixtures.ts), claimed before any test file
 * starts and built beside the files that do not read them; each is keyed by its sources in the
 * cache. Unit tests read no fixture: a run of only those builds nothing.
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
  const started = Date.now();
  // The live-build fixtures are claimed now and built while the test files that do not read them
  // run (support/sequencer.ts puts their readers last, and those wait for them): a cold build takes
  // longer than all the samples' tests. The samples are needed at once.
  const claims = readsLiveBuild(filters) ? await claimLiveBuilds(started) : [];
  const liveBuilds = buildInTurn(claims);
  liveBuilds.catch(() => undefined);
  await buildSamples(withSecureBoot, started);
  return async () => {
    await liveBuilds.catch((error: unknown) => {
      process.stderr.write(`global setup: live-build failed: ${(error as Error).message}\n`);
    });
    await removeRunTmp();
  };
}

function progress(what: string, started: number): (line: string) => void {
  return (line) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    process.stderr.write(`global setup: ${what}: [${seconds}s] ${line}\n`);
  };
}

async function buildSamples(withSecureBoot: boolean, started: number): Promise<void> {
  const say = progress('sample', started);
  for (const secureBoot of withSecureBoot ? [false, true] : [false]) {
    const { path, cached } = await ensureCachedSampleIso({ secureBoot, onStage: say });
    say(`${path} ${cached ? 'from the cache' : 'built'}`);
  }
}

async function claimLiveBuilds(started: number) {
  return Promise.all(
    suiteLiveBuildConfigs().map(async (config) => {
      const say = progress(`live-build ${config.name}`, started);
      return { say, ...(await claimLiveBuild(config, say)) };
    }),
  );
}

/** One live-build at a time (each is a whole debootstrap and mksquashfs). */
async function buildInTurn(claims: readonly { say: (line: string) => void; build: () => Promise<string> }[]) {
  for (const { say, build } of claims) {
    say('building, or found in the cache (a cold build takes 10 minutes or more), beside the tests');
    say(`${await build()} ready`);
  }
}

/** Whether a file the filters select reads a live-build fixture (no filters: the whole suite). */
function readsLiveBuild(filters: readonly string[]): boolean {
  if (!filters.length) return true;
  return LIVE_BUILD_READERS.some((file) =>
    filters.some((filter) => file.includes(filter) || filter.includes(file)),
  );
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
