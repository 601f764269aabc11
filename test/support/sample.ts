import { ensureCachedSampleIso } from '../../src/sample/index.ts';

const built = new Map<boolean, Promise<string>>();

/**
 * The sample ISO for tests, built once into ~/.cache/isoforge (about two minutes), then shared:
 * the returned file is the cache's own copy, so tests must only read it (copy it to change it).
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
