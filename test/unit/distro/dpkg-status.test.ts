import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePackageList } from '../../../src/diff/packages.ts';
import { parseDpkgStatus } from '../../../src/distro/dpkg-status.ts';
import { runDpkgQueryList } from '../../../src/tools/dpkg.ts';

const fixture = (path: string) => new URL(`../../fixtures/${path}`, import.meta.url);

/** What dpkg-query -W (the manifest's source) lists for a root whose status file is STATUS. */
async function dpkgQueryOf(status: URL | string): Promise<Map<string, string>> {
  const root = await mkdtemp(join(tmpdir(), 'isoforge-dpkg-status-'));
  try {
    await mkdir(join(root, 'var/lib/dpkg/info'), { recursive: true });
    await copyFile(status, join(root, 'var/lib/dpkg/status'));
    return parsePackageList(await runDpkgQueryList(root));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const sorted = (packages: Map<string, string>) => [...packages].sort(([a], [b]) => (a < b ? -1 : 1));

describe('parseDpkgStatus', () => {
  it("lists the host's installed packages as dpkg-query -W does", async () => {
    const parsed = parseDpkgStatus(await readFile('/var/lib/dpkg/status', 'utf8'));
    expect(parsed.size).toBeGreaterThan(100);
    expect(sorted(parsed)).toEqual(sorted(await dpkgQueryOf('/var/lib/dpkg/status')));
  });

  it("reads the sample top layer's status: the lower layer's manifest plus its own", async () => {
    const status = fixture('dpkg/sample-top.status');
    const parsed = parseDpkgStatus(await readFile(status, 'utf8'));
    expect(sorted(parsed)).toEqual(sorted(await dpkgQueryOf(status)));
    const manifest = async (name: string) =>
      parsePackageList(await readFile(fixture(`manifests/${name}`), 'utf8'));
    const layered = new Map([
      ...(await manifest('sample-minimal.manifest')),
      ...(await manifest('sample-top.manifest')),
    ]);
    expect(sorted(parsed)).toEqual(sorted(layered));
    expect(parsed.get('libc6:amd64')).toBe('2.36-9+deb12u14');
    expect(parsed.get('less')).toBe('590-2.1~deb12u2');
  });

  it('skips packages that are not installed and joins no continuation lines', () => {
    const text = [
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\nConffiles:\n /etc/gone 0123\n',
      'Package: held\nStatus: hold ok installed\nArchitecture: all\nVersion: 2.0\nDescription: x\n y\n',
      'Package: half\nStatus: install ok half-configured\nVersion: 3.0\n',
    ].join('\n');
    expect([...parseDpkgStatus(text)]).toEqual([['held', '2.0']]);
  });
});
