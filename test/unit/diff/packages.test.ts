import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { comparePackages, parsePackageList } from '../../../src/diff/packages.ts';
import { compareDebianVersions } from '../../../src/diff/version.ts';

const fixture = async (name: string) =>
  parsePackageList(await readFile(new URL(`../../fixtures/manifests/${name}`, import.meta.url), 'utf8'));

describe('package sidecars', () => {
  it('reads a real casper manifest: name TAB version per line', async () => {
    const minimal = await fixture('sample-minimal.manifest');
    expect(minimal.size).toBe(88);
    expect(minimal.get('bsdutils')).toBe('1:2.38.1-5+deb12u3');
  });

  it('names the packages a remaster installed into a layer, and nothing else', async () => {
    const diff = comparePackages(
      await fixture('sample-top.manifest'),
      await fixture('remaster-top.manifest'),
    );
    expect(diff).toEqual({
      added: [
        { name: 'isoforge-nic-driver', version: '1.0' },
        { name: 'tree', version: '2.1.0-1' },
      ],
      removed: [],
      upgraded: [],
      downgraded: [],
    });
  });

  it('tells upgrades from downgrades by Debian version order', async () => {
    const before = await fixture('sample-minimal.manifest');
    const after = new Map(before);
    after.set('base-files', '12.4+deb12u16');
    after.set('bsdutils', '2.38.1-5+b1'); // the epoch 1: is dropped: a downgrade
    after.delete('adduser');
    const diff = comparePackages(before, after);
    expect(diff.upgraded).toEqual([{ name: 'base-files', from: '12.4+deb12u15', to: '12.4+deb12u16' }]);
    expect(diff.downgraded).toEqual([{ name: 'bsdutils', from: '1:2.38.1-5+deb12u3', to: '2.38.1-5+b1' }]);
    expect(diff.removed).toEqual([{ name: 'adduser', version: '3.134' }]);
  });
});

describe('compareDebianVersions agrees with dpkg --compare-versions', () => {
  // Each pair: dpkg --compare-versions A lt B is true (checked on Debian 12's dpkg 1.21).
  const older: [string, string][] = [
    ['1.0', '1.0-1'],
    ['2.0', '1:0.1'],
    ['1.0~rc1', '1.0'],
    ['590-2.1~deb12u2', '590-2.1'],
    ['2.38.1-5+b1', '2.38.1-5+deb12u3'],
    ['1.2a', '1.2+'],
    ['1.9', '1.10'],
  ];
  it.each(older)('%s < %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBeLessThan(0);
    expect(compareDebianVersions(b, a)).toBeGreaterThan(0);
  });
  it('equal versions compare equal', () => {
    expect(compareDebianVersions('1:2.38.1-5+deb12u3', '1:2.38.1-5+deb12u3')).toBe(0);
  });
});
