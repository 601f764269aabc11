import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { comparePackages, parsePackageList } from '../../../src/diff/packages.ts';
import { compareDebianVersions } from '../../../src/diff/version.ts';
import { runCommand } from '../../../src/tools/exec.ts';

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
  /** Asks the system's dpkg itself: `dpkg --compare-versions A lt B` exits 0 when true, 1 when false. */
  async function dpkgLessThan(a: string, b: string): Promise<boolean> {
    const { exitCode } = await runCommand(['dpkg', '--compare-versions', a, 'lt', b], { okExitCodes: [1] });
    return exitCode === 0;
  }

  /** dpkg's order of A and B: -1 older, 0 equal, 1 newer, from `lt` asked both ways. */
  async function dpkgOrder(a: string, b: string): Promise<number> {
    if (await dpkgLessThan(a, b)) return -1;
    return (await dpkgLessThan(b, a)) ? 1 : 0;
  }

  // No expected answer is written here: dpkg gives it. Pairs cover epochs, tildes, revisions,
  // letters against digits and other characters, digit runs compared as numbers, and equal spellings.
  const pairs: [string, string][] = [
    // epochs
    ['1:0.9', '2.0'],
    ['2.0', '1:0.1'],
    ['10:1.0', '9:2.0'],
    ['0:1.0', '1.0'],
    ['1:1.0', '1.0'],
    ['1:2.38.1-5+deb12u3', '2.38.1-5+b1'],
    ['1.0-1', '1:0.1-1'],
    // tildes sort before everything, even the end of the string
    ['1.0~rc1', '1.0'],
    ['1.0~', '1.0'],
    ['1.0~~', '1.0~'],
    ['1.0~~a', '1.0~~'],
    ['2.0~beta1', '2.0~alpha2'],
    ['1.0~dfsg', '1.0'],
    ['1.0~rc1-1', '1.0-0'],
    ['590-2.1~deb12u2', '590-2.1'],
    ['1.0-1~bpo12+1', '1.0-1'],
    ['1.0.0-0ubuntu1~22.04.1', '1.0.0-0ubuntu1'],
    // revisions
    ['1.0', '1.0-1'],
    ['1.0-0', '1.0'],
    ['1.0-2', '1.0-10'],
    ['2.0-1', '2.0-1ubuntu1'],
    ['1.0-1build1', '1.0-1ubuntu1'],
    ['1.0-1ubuntu1', '1.0-1ubuntu1.1'],
    ['1.0-1.1', '1.0-1+b1'],
    ['1.0-a', '1.0-1'],
    ['1.2.3-4-5', '1.2.3-4'],
    ['2.38.1-5+b1', '2.38.1-5+deb12u3'],
    ['1.0-1+deb12u1', '1.0-1+deb12u10'],
    ['2:1.0~rc1+dfsg-3ubuntu0.1', '2:1.0~rc1+dfsg-3'],
    // letters before other characters, letters by ASCII, nothing before a letter
    ['1.0a', '1.0+b1'],
    ['1.2a', '1.2+'],
    ['1.0', '1.0a'],
    ['1.0A', '1.0a'],
    ['1.0.', '1.0a'],
    ['1.0', '1.0.'],
    ['1.0-1a', '1.0-1.'],
    ['a', 'b'],
    ['1.0+dfsg', '1.0'],
    ['9.1+dfsg-2', '9.1-2'],
    ['1.0+really0.9', '1.0'],
    // digit runs compare as numbers
    ['1.9', '1.10'],
    ['1.00', '1.0'],
    ['007', '7'],
    ['0.0001', '0.1'],
    ['2023.01.01', '2023.1.1'],
    ['1.0.0', '1.0'],
    ['20231231235959', '20240101000000'],
    ['1.99999999999999998', '1.99999999999999999'], // past a double's 16 digits
    ['12.4+deb12u15', '12.4+deb12u16'],
    // the same version
    ['1:2.38.1-5+deb12u3', '1:2.38.1-5+deb12u3'],
  ];

  it.each(pairs)('%s against %s, both ways', async (a, b) => {
    const expected = await dpkgOrder(a, b);
    expect(Math.sign(compareDebianVersions(a, b)), `${a} against ${b}`).toBe(expected);
    expect(Math.sign(compareDebianVersions(b, a)), `${b} against ${a}`).toBe(-expected || 0);
  });
});
