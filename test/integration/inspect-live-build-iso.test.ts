import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { cacheDir, exists } from '../../src/sample/cache.ts';
import { runXorrisoReport } from '../../src/tools/xorriso.ts';
import { runIsoforge } from '../support/cli.ts';

const LIVE_BUILD_CACHE = join(cacheDir(), 'live-build');

/** The live-build ISOs already in the cache (<cache>/live-build/<config>-<hash>/live.iso); none are built here. */
async function cachedLiveBuildIsos(): Promise<string[]> {
  if (!(await exists(LIVE_BUILD_CACHE))) return [];
  const folders = (await readdir(LIVE_BUILD_CACHE)).sort();
  const isos = folders.map((folder) => join(LIVE_BUILD_CACHE, folder, 'live.iso'));
  const present = await Promise.all(isos.map((iso) => exists(iso)));
  return isos.filter((_, i) => present[i]);
}

const LIVE_ISOS = await cachedLiveBuildIsos();

if (!LIVE_ISOS.length) {
  it.skip(`skipped: no live-build ISO cached in ${LIVE_BUILD_CACHE} (the e2e suite builds one)`, () => {});
}

describe.each(LIVE_ISOS)('inspect --mkisofs on the cached live-build ISO %s', (iso) => {
  it('prints the lines of xorriso -report_el_torito as_mkisofs, in its order', async () => {
    const [report, xorriso] = await Promise.all([inspectIso(iso), runXorrisoReport(iso)]);
    expect(report.mkisofsArgs).toEqual(xorriso.elToritoAsMkisofs);
    const cli = await runIsoforge(['inspect', iso, '--mkisofs']);
    expect(cli.stderr).toBe('');
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout.split('\n').filter((line) => line.trim())).toEqual(xorriso.elToritoAsMkisofs);
  });
});
