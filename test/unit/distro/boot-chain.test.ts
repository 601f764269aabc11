import { describe, expect, it } from 'vitest';
import { parseDefaultLayerConf, parseLayerfsPath, resolveBootChain } from '../../../src/distro/boot-chain.ts';
import { SEED_LAYERS } from '../../support/seed-layers.ts';

const LAYERS = SEED_LAYERS;

describe('boot chains as casper decides them', () => {
  it('reads LAYERFS_PATH as livecd-rootfs writes it, quoted or exported too', () => {
    expect(parseDefaultLayerConf(`LAYERFS_PATH=${LAYERS[3]}.squashfs\n`)).toBe(LAYERS[3]);
    expect(parseDefaultLayerConf(`export LAYERFS_PATH="${LAYERS[4]}.squashfs"\n`)).toBe(LAYERS[4]);
    expect(parseDefaultLayerConf('# nothing here\n')).toBeNull();
  });

  it('takes the last layerfs-path= of a command line', () => {
    expect(parseLayerfsPath(`quiet layerfs-path=a.squashfs layerfs-path=${LAYERS[1]}.squashfs ---`)).toBe(
      LAYERS[1],
    );
    expect(parseLayerfsPath('quiet splash ---')).toBeNull();
  });

  it('lets the command line win over the initrd, and strips dot-components for the chain', () => {
    expect(resolveBootChain(LAYERS[1] ?? null, LAYERS[4] ?? null, LAYERS)).toEqual({
      source: 'cmdline',
      layer: LAYERS[1],
      chain: LAYERS.slice(0, 2),
    });
    expect(resolveBootChain(null, LAYERS[4] ?? null, LAYERS)).toEqual({
      source: 'initrd',
      layer: LAYERS[4],
      chain: [...LAYERS.slice(0, 3), LAYERS[4]],
    });
  });

  it('mounts every squashfs of the folder when no layer is named', () => {
    expect(resolveBootChain(null, null, [...LAYERS].reverse())).toEqual({
      source: 'all',
      layer: null,
      chain: LAYERS,
    });
  });
});
