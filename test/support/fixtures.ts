import { LIVE_BUILD_CONFIGS, type LiveBuildConfig } from './live-build-configs.ts';
import { waitForLiveBuildIso } from './live-build.ts';

/**
 * The live-build fixtures of this run: the first configuration, plus those ISOFORGE_LIVE_BUILD
 * names (`=name[,name]`, or `=all`). The global set-up builds exactly these before any test file
 * starts; the tests read exactly these, so a fixture is never looked for that was not built.
 */
export function suiteLiveBuildConfigs(
  env: string | undefined = process.env.ISOFORGE_LIVE_BUILD,
): LiveBuildConfig[] {
  const wanted = new Set(env?.split(',').filter(Boolean) ?? []);
  const first = LIVE_BUILD_CONFIGS[0];
  return LIVE_BUILD_CONFIGS.filter((c) => c === first || wanted.has('all') || wanted.has(c.name));
}

/** Test files that read a live-build fixture: the global set-up builds one only for a run that has them. */
export const LIVE_BUILD_READERS = [
  'test/e2e/debian-live.test.ts',
  'test/integration/inspect-live-build-iso.test.ts',
  'test/integration/live-block-reuse.test.ts',
  'test/integration/live-build-menus.test.ts',
  'test/integration/live-menu-files.test.ts',
  'test/integration/read-layers.test.ts',
  'test/integration/rootless.test.ts',
  'test/integration/splice.test.ts',
] as const;

/**
 * The built ISO of each of this run's live-build fixtures, waiting while the global set-up still
 * builds one. A missing one is an error (its build failed), never a reason to skip.
 */
export async function suiteLiveBuildIsos(): Promise<{ config: LiveBuildConfig; iso: string }[]> {
  return Promise.all(
    suiteLiveBuildConfigs().map(async (config) => ({ config, iso: await waitForLiveBuildIso(config) })),
  );
}
