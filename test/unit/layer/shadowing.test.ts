import { describe, expect, it } from 'vitest';
import { checkShadowing } from '../../../src/layer/shadowing.ts';
import type { LayerPlan } from '../../../src/layer/plan.ts';

const BASE = 'ubuntu-server-minimal.ubuntu-server';
const INSTALLER = `${BASE}.installer`;
const extent = (name: string, chain: string[]) => ({ name, file: 'in.iso', offset: 0, size: 0, chain });

/** The 22.04.5 shape: two kernel layers stacked on the installer layer, each the top of its chain. */
function planFor(name: string, above: LayerPlan['above']): LayerPlan {
  return {
    layer: { name } as LayerPlan['layer'],
    extent: extent(name, []),
    ancestors: [],
    above,
    recipe: { steps: [], allowShadowed: false },
    trustsPoolKey: false,
    compression: { algorithm: 'xz' },
    repack: 'reuse',
    isoPaths: { squashfs: '', packages: '', size: '', signature: '' },
    boots: [],
  };
}

describe('checkShadowing', () => {
  const generic = `${INSTALLER}.generic`;
  const hwe = `${INSTALLER}.generic-hwe`;
  const chain = (top: string) => ['ubuntu-server-minimal', BASE, INSTALLER, top];

  it('names every kernel layer that hides a change to the installer layer as a target, not the longest name', () => {
    const plan = planFor(INSTALLER, [extent(generic, chain(generic)), extent(hwe, chain(hwe))]);
    const shadowed = [
      { path: '/etc/motd', layer: generic },
      { path: '/etc/motd', layer: hwe },
    ];
    expect(() => checkShadowing(plan, shadowed)).toThrow(
      `changes to layer ${INSTALLER} are shadowed by ${generic}, ${hwe}: /etc/motd`,
    );
    expect(() => checkShadowing(plan, shadowed)).toThrow(
      expect.objectContaining({
        hint: expect.stringContaining(`target layers ${generic} and ${hwe} instead`),
      }),
    );
  });

  it('names the top of one chain when layers of that chain hide the change', () => {
    const plan = planFor(BASE, [extent(INSTALLER, chain(INSTALLER).slice(0, 3)), extent(hwe, chain(hwe))]);
    const shadowed = [
      { path: '/etc/a', layer: INSTALLER },
      { path: '/etc/a', layer: hwe },
    ];
    expect(() => checkShadowing(plan, shadowed)).toThrow(
      expect.objectContaining({ hint: expect.stringContaining(`target layer ${hwe} instead`) }),
    );
  });
});
