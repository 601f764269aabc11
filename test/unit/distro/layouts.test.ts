import { describe, expect, it } from 'vitest';
import { detectLayout, layoutNamed, LAYOUTS } from '../../../src/distro/layouts/index.ts';

const UBUNTU = [
  'ubuntu-server-minimal',
  'ubuntu-server-minimal.ubuntu-server',
  'ubuntu-server-minimal.ubuntu-server.installer',
];

describe('layouts', () => {
  it('are detected by their folder, casper first', () => {
    expect(detectLayout(new Set(['/casper', '/boot']))?.name).toBe('casper');
    expect(detectLayout(new Set(['/live', '/isolinux']))?.name).toBe('live');
    expect(detectLayout(new Set(['/boot', '/EFI']))).toBeNull();
    expect(LAYOUTS.map((layout) => layoutNamed(layout.name))).toEqual(LAYOUTS);
  });

  it('name the sidecars: casper .manifest, Debian live .packages', () => {
    const casper = layoutNamed('casper');
    const live = layoutNamed('live');
    expect(casper?.packagesSidecar('/casper/ubuntu-server-minimal.squashfs')).toBe(
      '/casper/ubuntu-server-minimal.manifest',
    );
    expect(casper?.sizeSidecar('/casper/ubuntu-server-minimal.squashfs')).toBe(
      '/casper/ubuntu-server-minimal.size',
    );
    expect(live?.packagesSidecar('/live/filesystem.squashfs')).toBe('/live/filesystem.packages');
    expect(live?.sizeSidecar('/live/filesystem.squashfs')).toBe('/live/filesystem.size');
    expect(casper?.installSourcesFile).toBe('/casper/install-sources.yaml');
    expect(live?.installSourcesFile).toBeNull();
  });

  it('name layers by their squashfs file, and nothing else', () => {
    for (const layout of LAYOUTS) {
      expect(layout.layerName('filesystem.squashfs')).toBe('filesystem');
      expect(layout.layerName('filesystem.squashfs.gpg')).toBeNull();
      expect(layout.layerName('filesystem.manifest')).toBeNull();
    }
  });

  it('stack casper layers by name, Debian live images on nothing', () => {
    const casper = layoutNamed('casper');
    const live = layoutNamed('live');
    expect(casper?.layerChain(UBUNTU[2] as string, UBUNTU)).toEqual(UBUNTU);
    expect(live?.layerChain('filesystem', ['filesystem', 'filesystem.extra'])).toEqual(['filesystem']);
    expect(live?.shadowingLayers('filesystem', ['filesystem', 'filesystem.extra'], [])).toEqual([]);
  });

  it('know which layer the medium kernel boots', () => {
    const casper = layoutNamed('casper');
    expect(UBUNTU.map((name) => casper?.bootsLayer(name, UBUNTU))).toEqual([false, false, true]);
    expect(layoutNamed('live')?.bootsLayer('filesystem', ['filesystem'])).toBe(true);
    expect(layoutNamed('live')?.isKernel('vmlinuz-6.1.0-28-amd64')).toBe(true);
    expect(casper?.isKernel('hwe-vmlinuz')).toBe(true);
    expect(casper?.isInitrd('initrd')).toBe(true);
  });
});
