import { describe, expect, it } from 'vitest';
import { SAMPLE_LAYERS } from '../../../src/sample/index.ts';
import { makeLayersKey, makeSampleKey } from '../../../src/sample/source-key.ts';

const DEBS = new Map([
  ['less', '/cache/debs/less_590-2_amd64.deb'],
  ['netbase', '/cache/debs/netbase_6.4_all.deb'],
]);

describe('sample cache keys', () => {
  it('are 12 hex digits, the same for the same sources, .debs and layer spec', async () => {
    const layers = await makeLayersKey(SAMPLE_LAYERS);
    expect(layers).toMatch(/^[0-9a-f]{12}$/);
    expect(await makeLayersKey(SAMPLE_LAYERS)).toBe(layers);
    expect(await makeSampleKey(layers, DEBS)).toBe(await makeSampleKey(layers, new Map([...DEBS].reverse())));
  });

  it('change with another .deb version, another layers key, or another layer spec', async () => {
    const layers = await makeLayersKey(SAMPLE_LAYERS);
    const sample = await makeSampleKey(layers, DEBS);
    const newerLess = new Map(DEBS).set('less', '/cache/debs/less_590-3_amd64.deb');
    expect(await makeSampleKey(layers, newerLess)).not.toBe(sample);
    expect(await makeSampleKey('000000000000', DEBS)).not.toBe(sample);
    const otherSpec = SAMPLE_LAYERS.map((spec, i) => (i === 1 ? { ...spec, debs: ['less'] } : spec));
    expect(await makeLayersKey(otherSpec)).not.toBe(layers);
  });
});
