import { describe, expect, it } from 'vitest';
import { layoutNamed, type MediumLayout } from '../../../src/distro/layouts/index.ts';
import { resolveLayerTargets, type TargetReport } from '../../../src/layer/targets.ts';

const MINIMAL = 'ubuntu-server-minimal';
const SERVER = `${MINIMAL}.ubuntu-server`;
const INSTALLER = `${SERVER}.installer`;
const GENERIC = `${INSTALLER}.generic`;
const HWE = `${INSTALLER}.generic-hwe`;
const casper = layoutNamed('casper') as MediumLayout;

/** Ubuntu 22.04.5 as inspect reads it: five layers, two install sources, two entries with their chains. */
const report: TargetReport = {
  layers: [MINIMAL, SERVER, INSTALLER, GENERIC, HWE].map((name) => ({ name })) as TargetReport['layers'],
  installSources: [
    {
      id: 'ubuntu-server-minimal',
      path: `${MINIMAL}.squashfs`,
      size: 1,
      type: null,
      default: false,
      variant: null,
      chain: [MINIMAL],
    },
    {
      id: 'ubuntu-server',
      path: `${SERVER}.squashfs`,
      size: 1,
      type: null,
      default: true,
      variant: null,
      chain: [MINIMAL, SERVER],
    },
  ],
  bootChains: [GENERIC, HWE].map((top) => ({
    menu: '/boot/grub/grub.cfg',
    title: top,
    kernel: '/casper/vmlinuz',
    initrd: '/casper/initrd',
    uuid: null,
    source: 'initrd',
    layer: top,
    chain: [MINIMAL, SERVER, INSTALLER, top],
  })),
};

const resolve = (recipes: Record<string, string>) =>
  resolveLayerTargets(recipes, report, casper, 'recipe.yaml').map((r) => [r.layer, r.target, r.recipe]);

describe('resolveLayerTargets', () => {
  it('resolves installer to both kernel layers and system to the default install source top', () => {
    expect(resolve({ installer: 'a', system: 'b' })).toEqual([
      [GENERIC, 'installer', 'a'],
      [HWE, 'installer', 'a'],
      [SERVER, 'system', 'b'],
    ]);
  });

  it('resolves system:ID to that install source and keeps layer names as they are', () => {
    expect(resolve({ 'system:ubuntu-server-minimal': 'a', [INSTALLER]: 'b' })).toEqual([
      [MINIMAL, 'system:ubuntu-server-minimal', 'a'],
      [INSTALLER, undefined, 'b'],
    ]);
  });

  it('refuses a layer named twice, by a target and by its name', () => {
    expect(() => resolve({ installer: 'a', [HWE]: 'b' })).toThrow(
      `recipe.yaml: layer ${HWE} is named twice, by 'installer' and '${HWE}'`,
    );
  });

  it('lists the layers and the valid targets for a typo', () => {
    try {
      resolve({ instaler: 'a' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe("recipe.yaml: layer 'instaler' is not on the ISO");
      expect((error as { hint?: string }).hint).toContain(
        'targets: installer, system, system:ubuntu-server-minimal, system:ubuntu-server',
      );
    }
  });

  it('names the install sources for an unknown system:ID', () => {
    expect(() => resolve({ 'system:desktop': 'a' })).toThrow(
      "recipe.yaml: target 'system:desktop': no install source has id desktop",
    );
  });
});
