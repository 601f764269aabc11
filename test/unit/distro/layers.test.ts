import { describe, expect, it } from 'vitest';
import {
  feedsInstaller,
  layerChain,
  layerChains,
  layersAbove,
  parentLayerNames,
  shadowingLayers,
  topLayers,
} from '../../../src/distro/layers.ts';

// The casper/ layers of ubuntu-22.04.5-live-server-amd64.iso (and of isoforge's sample).
const UBUNTU = [
  'ubuntu-server-minimal',
  'ubuntu-server-minimal.ubuntu-server',
  'ubuntu-server-minimal.ubuntu-server.installer',
];
// A desktop-style medium with two install sources sharing a base and an installer on top of one.
const BRANCHED = ['minimal', 'minimal.standard', 'minimal.standard.live', 'minimal.enhanced'];
// install-sources.yaml of the server ISO: the minimal and the full server install.
const UBUNTU_SOURCES = [UBUNTU.slice(0, 1), UBUNTU.slice(0, 2)];

describe('casper layer chains', () => {
  it('A.B.C stacks on A.B and A, bottom first', () => {
    expect(parentLayerNames('a.b.c')).toEqual(['a', 'a.b']);
    expect(layerChain(UBUNTU[2] as string, UBUNTU)).toEqual(UBUNTU);
  });

  it('skips parents that are not on the medium', () => {
    expect(layerChain('minimal.standard.live', ['minimal', 'minimal.standard.live'])).toEqual([
      'minimal',
      'minimal.standard.live',
    ]);
  });

  it('finds every maximal chain', () => {
    expect(topLayers(UBUNTU)).toEqual([UBUNTU[2]]);
    expect(layerChains(BRANCHED)).toEqual([
      ['minimal', 'minimal.standard', 'minimal.standard.live'],
      ['minimal', 'minimal.enhanced'],
    ]);
  });

  it('treats a Debian live filesystem.squashfs as the degenerate single layer', () => {
    expect(layerChains(['filesystem'])).toEqual([['filesystem']]);
    expect(layersAbove('filesystem', ['filesystem'])).toEqual([]);
    expect(shadowingLayers('filesystem', ['filesystem'], [])).toEqual([]);
  });

  it('does not confuse a name prefix with a parent', () => {
    expect(layersAbove('minimal', ['minimal', 'minimalist', 'minimal.x'])).toEqual(['minimal.x']);
  });
});

describe('shadowingLayers', () => {
  it('a base-layer change is shadowed only by the layers of install sources above it', () => {
    // The installer layer is never installed, so it cannot hide a change from an installed system.
    expect(shadowingLayers('ubuntu-server-minimal', UBUNTU, UBUNTU_SOURCES)).toEqual([UBUNTU[1]]);
  });

  it('the top layer of an install source is shadowed by nothing', () => {
    expect(shadowingLayers(UBUNTU[1] as string, UBUNTU, UBUNTU_SOURCES)).toEqual([]);
  });

  it('without install sources every layer stacked above counts', () => {
    expect(shadowingLayers('minimal', BRANCHED, [])).toEqual([
      'minimal.standard',
      'minimal.standard.live',
      'minimal.enhanced',
    ]);
  });
});

describe('feedsInstaller', () => {
  it('is true for every layer under an installer layer', () => {
    expect(UBUNTU.map((name) => feedsInstaller(name, UBUNTU))).toEqual([true, true, true]);
    expect(feedsInstaller('minimal.enhanced', BRANCHED)).toBe(false);
    expect(feedsInstaller('filesystem', ['filesystem'])).toBe(false);
  });
});
