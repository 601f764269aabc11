import { describe, expect, it } from 'vitest';
import { makeReleaseFields } from '../../../../src/medium/pool/archive.ts';
import { fieldOf, formatStanzas, parseStanzas } from '../../../../src/medium/pool/deb822.ts';
import { mergePackageStanzas, parseDebControl, poolPathOf } from '../../../../src/medium/pool/layout.ts';
import { aptDownloadArgv } from '../../../../src/medium/pool/download.ts';

// Real index bytes: the sample ISO's entry (src/sample/tree.ts, from Debian's netbase_6.4 control file),
// then libonig5's entry from Debian bookworm's main/binary-amd64/Packages.
const PACKAGES = `Package: netbase
Version: 6.4
Architecture: all
Maintainer: Marco d'Itri <md@linux.it>
Installed-Size: 36
Breaks: ebtables (<< 2.0.11-2)
Replaces: ebtables (<< 2.0.11-2)
Section: admin
Priority: important
Multi-Arch: foreign
Description: Basic TCP/IP networking system
 This package provides the necessary infrastructure for basic TCP/IP based
 networking.
 .
 In particular, it supplies common name-to-number mappings in /etc/services,
 /etc/rpc, /etc/protocols and /etc/ethertypes.
Filename: pool/main/n/netbase/netbase_6.4_all.deb
Size: 12800
MD5sum: 814246d2f01d3238bbd3ef8c15c57076
SHA256: 29b23c48c0fe6f878e56c5ddc9f65d1c05d729360f3690a593a8c795031cd867

Package: libonig5
Source: libonig
Version: 6.9.8-1
Installed-Size: 666
Maintainer: Jörg Frings-Fürst <debian@jff.email>
Architecture: amd64
Depends: libc6 (>= 2.14)
Description: regular expressions library
Multi-Arch: same
Homepage: https://github.com/kkos/oniguruma
Description-md5: 21359fc7589f6e7db0298bfd50daeb8d
Tag: role::shared-lib
Section: libs
Priority: optional
Filename: pool/main/libo/libonig/libonig5_6.9.8-1_amd64.deb
Size: 187828
MD5sum: 7e359432d638eee2be29dfd20ddcd493
SHA256: 59ecfce6d88c7c4b09496ce182b3b8303e8e8477664e009b16ae83a09cd12be7

`;

describe('deb822 stanzas', () => {
  it('reads fields, continuation lines and the original text of each stanza', () => {
    const [netbase, onig] = parseStanzas(PACKAGES);
    expect(netbase && fieldOf(netbase, 'description')?.split('\n').slice(0, 3)).toEqual([
      'Basic TCP/IP networking system',
      'This package provides the necessary infrastructure for basic TCP/IP based',
      'networking.',
    ]);
    expect(onig && fieldOf(onig, 'source')).toBe('libonig');
    expect(onig && fieldOf(onig, 'Maintainer')).toBe('Jörg Frings-Fürst <debian@jff.email>');
    expect(formatStanzas(parseStanzas(PACKAGES))).toBe(PACKAGES);
  });
});

describe('pool paths', () => {
  const control = (text: string) =>
    parseDebControl(parseStanzas(text)[0] ?? { text: '', fields: new Map() }, 'x.deb');

  it('files a package under its source, with lib sources under their first four letters', () => {
    expect(poolPathOf(control(PACKAGES.split('\n\n')[1] ?? ''))).toBe(
      'pool/main/libo/libonig/libonig5_6.9.8-1_amd64.deb',
    );
    // A binNMU names its source with the source's version in parentheses.
    expect(
      poolPathOf(control('Package: libfoo1\nSource: foo (1.0-1)\nVersion: 1.0-1+b1\nArchitecture: amd64\n')),
    ).toBe('pool/main/f/foo/libfoo1_1.0-1+b1_amd64.deb');
    expect(poolPathOf(control('Package: jq\nVersion: 1.6-2.1\nArchitecture: amd64\n'))).toBe(
      'pool/main/j/jq/jq_1.6-2.1_amd64.deb',
    );
  });

  it('leaves the epoch out of the file name', () => {
    expect(poolPathOf(control('Package: lib\nVersion: 1:2.0\nArchitecture: all\n'))).toBe(
      'pool/main/l/lib/lib_2.0_all.deb',
    );
  });

  it('names the .deb and the field a control file lacks', () => {
    expect(() => control('Package: jq\nArchitecture: amd64\n')).toThrow(
      'x.deb has no Version: field in its control file',
    );
  });
});

describe('merging index entries', () => {
  it("keeps the medium's entries and replaces the one an added .deb stands for", () => {
    const existing = parseStanzas(PACKAGES);
    const added = parseStanzas(
      'Package: netbase\nVersion: 6.4\nArchitecture: all\nFilename: pool/main/n/netbase/netbase_6.4_all.deb\nSize: 712\n',
    );
    const merged = mergePackageStanzas(existing, added);
    expect(merged.map((s) => `${fieldOf(s, 'Package')} ${fieldOf(s, 'Size')}`)).toEqual([
      'libonig5 187828',
      'netbase 712',
    ]);
  });
});

describe('Release fields', () => {
  it("keep the medium's own and add the pool's component and architecture", () => {
    const ubuntu =
      'Origin: Ubuntu\nLabel: Ubuntu\nSuite: jammy\nVersion: 22.04\nCodename: jammy\nArchitectures: amd64 i386\nComponents: restricted\nDescription: Ubuntu Jammy 22.04\n';
    expect(makeReleaseFields(ubuntu, 'jammy', 'amd64')).toEqual({
      Origin: 'Ubuntu',
      Label: 'Ubuntu',
      Suite: 'jammy',
      Version: '22.04',
      Codename: 'jammy',
      Description: 'Ubuntu Jammy 22.04',
      Architectures: 'amd64 i386',
      Components: 'restricted main',
    });
  });

  it('name the pool itself on a medium without a Release', () => {
    expect(makeReleaseFields('', 'bookworm', 'arm64')).toMatchObject({
      Origin: 'isoforge',
      Suite: 'bookworm',
      Codename: 'bookworm',
      Architectures: 'arm64',
      Components: 'main',
    });
  });
});

describe('the download command', () => {
  it('asks apt for the packages and their dependencies only, into the pool folder', () => {
    expect(aptDownloadArgv(['jq'])).toEqual([
      'apt-get',
      'install',
      '--download-only',
      '--yes',
      '--no-install-recommends',
      '-o',
      'Dir::Cache::archives=/var/cache/isoforge-pool/',
      'jq',
    ]);
  });
});
