import { join } from 'node:path';
import { cacheDir } from '../../src/sample/cache.ts';
import { makeSampleIso } from '../../src/sample/index.ts';

const built = new Map<boolean, Promise<string>>();

/** The sample ISO for tests: built once into the cache (about a minute), then copied from it. */
export function ensureSampleIso(options: { secureBoot?: boolean } = {}): Promise<string> {
  const secureBoot = options.secureBoot ?? false;
  let pending = built.get(secureBoot);
  if (!pending) {
    const out = join(cacheDir(), 'test', `sample${secureBoot ? '-secureboot' : ''}-${process.pid}.iso`);
    pending = makeSampleIso({ out, secureBoot, force: true }).then(() => out);
    built.set(secureBoot, pending);
  }
  return pending;
}
