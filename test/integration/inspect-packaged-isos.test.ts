import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runXorrisoReport } from '../../src/tools/xorriso.ts';
import { runIsoforge } from '../support/cli.ts';
import { PACKAGED_ISOS } from '../support/packaged-isos.ts';

const DPKG_INFO = '/var/lib/dpkg/info';

/** Every *.iso path that an installed Debian package lists (dpkg's own file lists). */
async function isosOfInstalledPackages(): Promise<string[]> {
  const lists = (await readdir(DPKG_INFO)).filter((name) => name.endsWith('.list'));
  const paths = new Set<string>();
  for (const list of lists) {
    const text = await readFile(join(DPKG_INFO, list), 'utf8');
    for (const line of text.split('\n')) if (line.toLowerCase().endsWith('.iso')) paths.add(line);
  }
  return [...paths].sort();
}

describe('the packaged ISO list', () => {
  it('names every ISO the installed Debian packages ship, each with its package', async () => {
    expect(await isosOfInstalledPackages()).toEqual(PACKAGED_ISOS.map((iso) => iso.path).sort());
    for (const iso of PACKAGED_ISOS) {
      const { stdout } = await runCommand(['dpkg-query', '-S', iso.path]);
      expect(stdout.trim()).toBe(`${iso.debianPackage}: ${iso.path}`);
    }
  });
});

describe.each(PACKAGED_ISOS)('inspect --mkisofs on $path ($debianPackage)', ({ path }) => {
  it('prints the lines of xorriso -report_el_torito as_mkisofs, in its order', async () => {
    const [report, xorriso] = await Promise.all([inspectIso(path), runXorrisoReport(path)]);
    expect(report.mkisofsArgs).toEqual(xorriso.elToritoAsMkisofs);
    const cli = await runIsoforge(['inspect', path, '--mkisofs']);
    expect(cli.stderr).toBe('');
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout.split('\n').filter((line) => line.trim())).toEqual(xorriso.elToritoAsMkisofs);
  });
});
