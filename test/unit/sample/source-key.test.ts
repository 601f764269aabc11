import { describe, expect, it } from 'vitest';
import { SAMPLE_LAYERS } from '../../../src/sample/index.ts';
import { makeCasperUuid, makeLayersKey, makeSampleKey } from '../../../src/sample/source-key.ts';

const DEBS = new Map([
  ['less', '/cache/debs/less_590-2_amd64.deb'],
  ['netbase', '/cache/debs/netbase_6.4_all.deb'],
]);

describe('sample cache keys', () => {
  it('are 12 hex digits, the same for the same sources, .debs and layer spec', async () => {
    const layers = await makeLayersKey(SAMPLE_LAYERS);
    expect(layers).toMatch(/^[0-9a-f]{12}$/);
    expect(await makeLayersKey(SAMPLE_LAYERS)).toBe(layers);
    expect(await makeSampleKey(layers, DEBS, '22.04')).toBe(
      await makeSampleKey(layers, new Map([...DEBS].reverse()), '22.04'),
    );
  });

  it('change with another .deb version, another layers key, another release, or another layer spec', async () => {
    const layers = await makeLayersKey(SAMPLE_LAYERS);
    const sample = await makeSampleKey(layers, DEBS, '22.04');
    const newerLess = new Map(DEBS).set('less', '/cache/debs/less_590-3_amd64.deb');
    expect(await makeSampleKey(layers, newerLess, '22.04')).not.toBe(sample);
    expect(await makeSampleKey('000000000000', DEBS, '22.04')).not.toBe(sample);
    expect(await makeSampleKey(layers, DEBS, '24.04')).not.toBe(sample);
    const otherSpec = SAMPLE_LAYERS.map((spec, i) => (i === 1 ? { ...spec, debs: ['less'] } : spec));
    expect(await makeLayersKey(otherSpec)).not.toBe(layers);
  });
});

describe('the sample casper UUID', () => {
  it('is a version 4 UUID, the same for the same cache name and another for another', () => {
    const uuid = makeCasperUuid('sample-9bf76a585df3.iso');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(makeCasperUuid('sample-9bf76a585df3.iso')).toBe(uuid);
    expect(makeCasperUuid('sample-9bf76a585df3-secureboot.iso')).not.toBe(uuid);
  });
});
