import { describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runXorrisoReport } from '../../src/tools/xorriso.ts';
import { runIsoforge } from '../support/cli.ts';
import { suiteLiveBuildIsos } from '../support/fixtures.ts';

const LIVE_ISOS = (await suiteLiveBuildIsos()).map(({ iso }) => iso);

describe.each(LIVE_ISOS)('inspect --mkisofs on the live-build fixture %s', (iso) => {
  it('prints the lines of xorriso -report_el_torito as_mkisofs, in its order', async () => {
    const [report, xorriso] = await Promise.all([inspectIso(iso), runXorrisoReport(iso)]);
    expect(report.mkisofsArgs).toEqual(xorriso.elToritoAsMkisofs);
    const cli = await runIsoforge(['inspect', iso, '--mkisofs']);
    expect(cli.stderr).toBe('');
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout.split('\n').filter((line) => line.trim())).toEqual(xorriso.elToritoAsMkisofs);
  });
});
