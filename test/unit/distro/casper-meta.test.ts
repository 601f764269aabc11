import { describe, expect, it } from 'vitest';
import { makeManifestDelta, updateInstallSourcesSizes } from '../../../src/distro/casper-meta.ts';
import { layerChain, layerChains, layersAbove, topLayers } from '../../../src/distro/layers.ts';
import { SEED_LAYERS } from '../../support/seed-layers.ts';

const LAYERS = SEED_LAYERS;

// casper/install-sources.yaml as ubuntu-22.04.5-live-server-amd64.iso ships it (descriptions shortened).
const INSTALL_SOURCES = `- default: false
  description:
    en: This version has been customized to have a small runtime footprint in environments
      where humans are not expected to log in.
  id: ubuntu-server-minimal
  locale_support: none
  name:
    en: Ubuntu Server (minimized)
  path: ubuntu-server-minimal.squashfs
  size: 530485248
  type: fsimage-layered
  variant: server
- default: true
  description:
    en: The default install contains a curated set of packages that provide a comfortable
      experience for operating your server.
  id: ubuntu-server
  locale_support: locale-only
  name:
    en: Ubuntu Server
  path: ubuntu-server-minimal.ubuntu-server.squashfs
  size: 1119825920
  type: fsimage-layered
  variant: server
`;

describe('casper layer chains', () => {
  it('stacks A.B.C on A.B and A', () => {
    expect(layerChain('ubuntu-server-minimal.ubuntu-server.installer', LAYERS)).toEqual(LAYERS.slice(0, 3));
    expect(topLayers(LAYERS)).toEqual(LAYERS.slice(3));
    expect(layerChains(LAYERS)).toEqual([LAYERS.slice(0, 4), [...LAYERS.slice(0, 3), LAYERS[4]]]);
    expect(layersAbove('ubuntu-server-minimal.ubuntu-server', LAYERS)).toEqual(LAYERS.slice(2));
  });
});

describe('install-sources.yaml', () => {
  it('grows every source whose chain includes the changed layer, and keeps the rest of the text', () => {
    const { text, changed } = updateInstallSourcesSizes(
      INSTALL_SOURCES,
      'ubuntu-server-minimal',
      1000,
      LAYERS,
    );
    expect(changed).toEqual(['ubuntu-server-minimal', 'ubuntu-server']);
    expect(text).toBe(
      INSTALL_SOURCES.replace('size: 530485248', 'size: 530486248').replace(
        'size: 1119825920',
        'size: 1119826920',
      ),
    );
  });

  it('leaves sources below the changed layer alone', () => {
    const { text, changed } = updateInstallSourcesSizes(
      INSTALL_SOURCES,
      'ubuntu-server-minimal.ubuntu-server',
      -20,
      LAYERS,
    );
    expect(changed).toEqual(['ubuntu-server']);
    expect(text).toContain('size: 530485248');
    expect(text).toContain('size: 1119825900');
  });
});

describe('manifest delta', () => {
  it('lists what an upper layer adds or changes over the layer below', () => {
    const lower = 'bash\t5.1-6\nless\t590-1\n';
    const full = 'bash\t5.1-6\nless\t590-2\ntree\t2.1.0-1\n';
    expect(makeManifestDelta(lower, full)).toBe('less\t590-2\ntree\t2.1.0-1\n');
  });
});

describe('manifests and sizes in Ubuntu and Debian live formats', () => {
  it('keeps dpkg-query -W lines (arch-qualified names included), sorted, newline-terminated', async () => {
    const { makeFullManifest } = await import('../../../src/distro/casper-meta.ts');
    const query =
      'zlib1g:amd64\t1:1.2.11.dfsg-2ubuntu9.2\nadduser\t3.118ubuntu5\n\nbase-files\t12ubuntu4.6\n';
    expect(makeFullManifest(query)).toBe(
      'adduser\t3.118ubuntu5\nbase-files\t12ubuntu4.6\nzlib1g:amd64\t1:1.2.11.dfsg-2ubuntu9.2\n',
    );
    expect(makeFullManifest('')).toBe('');
  });

  it('an upper layer lists what it adds or changes over the layer below', () => {
    const lower = 'adduser\t3.118ubuntu5\nbash\t5.1-6ubuntu1\n';
    const full = 'adduser\t3.118ubuntu5\nbash\t5.1-6ubuntu1.1\nhtop\t3.0.5-7build2\n';
    expect(makeManifestDelta(lower, full)).toBe('bash\t5.1-6ubuntu1.1\nhtop\t3.0.5-7build2\n');
  });

  it('formats sizes', async () => {
    const { formatDu } = await import('../../../src/distro/casper-meta.ts');
    expect(formatDu(1119825920)).toBe('1119825920\n');
    expect(() => formatDu(-1)).toThrow(RangeError);
  });
});
