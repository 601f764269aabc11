import { afterEach, describe, expect, it } from 'vitest';
import { checkRootlessRepack } from '../../../src/pipeline/tools.ts';
import { ROOTLESS_ENV } from '../../../src/rootless/mode.ts';

type Plan = Parameters<typeof checkRootlessRepack>[0];
const layer = (name: string, repack: 'reuse' | 'full', ancestors: number) =>
  ({
    layer: { name },
    repack,
    ancestors: Array.from({ length: ancestors }),
  }) as unknown as Plan['layers'][number];

describe('what rootless mode refuses before any work', () => {
  afterEach(() => {
    delete process.env[ROOTLESS_ENV];
  });

  it('a full repack of a layer with ancestors (unpacked whole), only in rootless mode', () => {
    const plan = { layers: [layer('minimal', 'full', 0), layer('minimal.server', 'full', 1)] };
    expect(() => checkRootlessRepack(plan)).not.toThrow();
    process.env[ROOTLESS_ENV] = '1';
    expect(() => checkRootlessRepack(plan)).toThrow(/layer minimal\.server asks for repack: full/);
    expect(() =>
      checkRootlessRepack({ layers: [layer('minimal', 'full', 0), layer('minimal.server', 'reuse', 1)] }),
    ).not.toThrow();
  });
});
