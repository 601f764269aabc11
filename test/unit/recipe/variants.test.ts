import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readRecipe } from '../../../src/recipe/load.ts';
import { chooseVariants, expandVariant, variantNames } from '../../../src/recipe/variants.ts';

let dir: string;

const RECIPE = `input: in.iso
output: out/fleet.iso
layers:
  base:
    steps:
      - run: echo shared > /etc/shared
iso:
  diskInfo: 'Fleet {{ SITE }}'
  cmdline: { add: ['console=ttyS0'] }
  files:
    - { src: files/motd, dest: /motd }
    - { src: files/blob.bin, dest: /blob.bin }
variants:
  site-a:
    vars: { SITE: alpha, NTP: 10.0.0.1 }
    iso:
      cmdline: { add: ['site=alpha'] }
  site-b:
    output: out/b.iso
    vars: { SITE: beta, NTP: 10.0.0.2 }
    layers:
      base:
        steps:
          - run: echo {{ SITE }} > /etc/site
`;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-variants-'));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/motd'), 'Welcome to {{ SITE }}, time from {{NTP}}\n');
  // Not UTF-8: never filled, even with a marker's bytes in it.
  await writeFile(join(dir, 'files/blob.bin'), Buffer.from([0xff, 0xfe, ...Buffer.from('{{ SITE }}')]));
  await writeFile(join(dir, 'fleet.yaml'), RECIPE);
});

async function expand(name: string, text = RECIPE) {
  await writeFile(join(dir, 'fleet.yaml'), text);
  const loaded = await readRecipe(join(dir, 'fleet.yaml'));
  return expandVariant(loaded, name, join(dir, `render-${name}`));
}

describe('recipe variants', () => {
  it('lists them in order and picks by name or by a CI job index', async () => {
    const { recipe } = await readRecipe(join(dir, 'fleet.yaml'));
    expect(variantNames(recipe)).toEqual(['site-a', 'site-b']);
    expect(chooseVariants(recipe, {})).toEqual(['site-a', 'site-b']);
    expect(chooseVariants(recipe, { index: 1 })).toEqual(['site-b']);
    expect(chooseVariants(recipe, { name: 'site-a' })).toEqual(['site-a']);
    expect(() => chooseVariants(recipe, { index: 2 })).toThrow(
      /no variant at index 2.*0: site-a, 1: site-b/s,
    );
    expect(() => chooseVariants(recipe, { name: 'site-c' })).toThrow(/no variant 'site-c'/);
  });

  it('merges objects key by key, replaces other values, appends layer steps, and names a default output', async () => {
    const a = (await expand('site-a')).recipe;
    expect(a.output).toBe('out/fleet-site-a.iso');
    expect(a.iso?.cmdline?.add).toEqual(['site=alpha']);
    expect(a.iso?.diskInfo).toBe('Fleet alpha');
    expect(a.layers.base?.steps).toEqual([{ run: 'echo shared > /etc/shared' }]);
    expect(a.variants).toBeUndefined();
    const b = (await expand('site-b')).recipe;
    expect(b.output).toBe('out/b.iso');
    expect(b.iso?.cmdline?.add).toEqual(['console=ttyS0']);
    expect(b.layers.base?.steps).toEqual([
      { run: 'echo shared > /etc/shared' },
      { run: 'echo beta > /etc/site' },
    ]);
  });

  it('fills the markers of text files into a rendered copy, and leaves binary files alone', async () => {
    const files = (await expand('site-a')).recipe.iso?.files ?? [];
    const motd = files.find((f) => f.dest === '/motd')?.src ?? '';
    expect(motd).toBe(join(dir, 'render-site-a/files/motd'));
    expect(await readFile(motd, 'utf8')).toBe('Welcome to alpha, time from 10.0.0.1\n');
    expect(files.find((f) => f.dest === '/blob.bin')?.src).toBe('files/blob.bin');
    expect(await readFile(join(dir, 'files/motd'), 'utf8')).toContain('{{ SITE }}');
  });

  it('refuses a marker no variable fills, and a variable no marker uses', async () => {
    await expect(
      expand('site-a', RECIPE.replace("'Fleet {{ SITE }}'", "'Fleet {{ REGION }}'")),
    ).rejects.toThrow(/variants\.site-a: \{\{ REGION \}\} is not a variable of this variant/);
    await expect(
      expand('site-a', RECIPE.replace('NTP: 10.0.0.1', 'NTP: 10.0.0.1, RACK: r1')),
    ).rejects.toThrow(/variants\.site-a\.vars: RACK is used nowhere/);
  });

  it('checks the merged recipe whole', async () => {
    await expect(
      expand('site-a', RECIPE.replace("cmdline: { add: ['site=alpha'] }", 'cmdline: { add: 7 }')),
    ).rejects.toThrow(/variants\.site-a: iso\.cmdline\.add:/);
  });
});
