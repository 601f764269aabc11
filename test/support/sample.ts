import { ensureCachedSampleIso } from '../../src/sample/index.ts';

const built = new Map<boolean, Promise<string>>();

/**
 * The sample ISO for tests. The global setup (test/support/global-setup.ts) built it into
 * ~/.cache/isoforge before any test started, so this is a cache hit (the key is checked against the
 * current sources). The returned file is the cache's own copy: tests must only read it.
 */
export function ensureSampleIso(options: { secureBoot?: boolean } = {}): Promise<string> {
  const secureBoot = options.secureBoot ?? false;
  let pending = built.get(secureBoot);
  if (!pending) {
    pending = ensureCachedSampleIso({ secureBoot }).then(({ path }) => path);
    built.set(secureBoot, pending);
  }
  return pending;
}
