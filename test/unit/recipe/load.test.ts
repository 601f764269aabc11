import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../../src/errors.ts';
import { parseRecipe } from '../../../src/recipe/load.ts';
import { makeRecipeJsonSchema } from '../../../src/recipe/schema.ts';

const ISSUE_RECIPE = `input: ubuntu-22.04.5-live-server-amd64.iso
output: out/ubuntu-22.04.5-oem-amd64.iso
layers:
  ubuntu-server-minimal.ubuntu-server:      # the layer's file name without .squashfs
    steps:
      - copy: { src: files/50-oem.conf, dest: /etc/sysctl.d/50-oem.conf, mode: "0644" }
      - debs: [debs/mlnx-driver.deb]
      - apt: { install: [htop], hold: [linux-image-generic] }
      - kernel: { version: 5.15.0-119-generic, hold: true }
      - run: |
          echo "built by isoforge" > /etc/oem-release
`;

function errorOf(text: string): string {
  try {
    parseRecipe(text, '/some/dir/recipe.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeError);
    return (error as Error).message;
  }
  throw new Error('the recipe was accepted');
}

describe('parseRecipe', () => {
  it("accepts the issue's recipe exactly as written, with defaults filled in", () => {
    const recipe = parseRecipe(ISSUE_RECIPE, 'recipe.yaml');
    const layer = recipe.layers['ubuntu-server-minimal.ubuntu-server'];
    expect(layer?.steps).toHaveLength(5);
    expect(layer?.allowShadowed).toBe(false);
    expect(recipe.bootSetup).toBe('replay');
    expect(layer?.steps[3]).toEqual({ kernel: { version: '5.15.0-119-generic', hold: true, headers: true } });
  });

  it('names file, line, column and field of the first problem', () => {
    expect(errorOf(ISSUE_RECIPE.replace('install: [htop]', 'install: htop'))).toBe(
      'recipe.yaml:8:25 layers.ubuntu-server-minimal.ubuntu-server.steps.2.apt.install: Invalid input: expected array, received string',
    );
  });

  it('names an unknown step and lists the known ones', () => {
    expect(errorOf(ISSUE_RECIPE.replace('- copy:', '- cpy:'))).toMatch(
      /^recipe\.yaml:6:9 layers\.ubuntu-server-minimal\.ubuntu-server\.steps\.0: unknown step 'cpy'; use one of: copy, file, debs/,
    );
  });

  it('rejects unknown keys, relative image paths and bad modes inside a step', () => {
    expect(errorOf(ISSUE_RECIPE.replace('dest: /etc/sysctl.d', 'dest: etc/sysctl.d'))).toMatch(
      /steps\.0\.copy\.dest: must be an absolute path/,
    );
    expect(errorOf(ISSUE_RECIPE.replace('mode: "0644"', 'mode: "rw"'))).toMatch(
      /steps\.0\.copy\.mode: must be an octal mode/,
    );
    expect(errorOf(ISSUE_RECIPE.replace('hold: true }', 'hold: true, pin: 1 }'))).toMatch(
      /steps\.3\.kernel: Unrecognized key: "pin"/,
    );
  });

  it('reports YAML syntax errors with their position', () => {
    expect(errorOf('input: a.iso\noutput: [b.iso\n')).toMatch(/^recipe\.yaml:\d+:\d+ /);
  });

  it('requires input, output and layers', () => {
    expect(errorOf('input: a.iso\n')).toMatch(/^recipe\.yaml:1:1 output: /);
  });

  it('needs exactly one of key and generate in sign, at its line', () => {
    const withSign = (sign: string) => `${ISSUE_RECIPE}sign:\n${sign}`;
    expect(errorOf(withSign('  passphraseFile: pass.txt\n'))).toMatch(
      /^recipe\.yaml:13:3 sign: give either key \(a fingerprint\) or generate/,
    );
    expect(() =>
      parseRecipe(withSign('  generate: { name: OEM, email: oem@example.com }\n'), 'recipe.yaml'),
    ).not.toThrow();
    expect(
      errorOf(
        withSign(
          '  key: 0123456789ABCDEF0123456789ABCDEF01234567\n  generate: { name: a, email: a@example.com }\n',
        ),
      ),
    ).toMatch(/sign: give either key/);
  });

  it('takes boot tests as firmware alone (a CD) or firmware/media', () => {
    const recipe = parseRecipe(`${ISSUE_RECIPE}verify:\n  boot: [bios, uefi/usb]\n`, 'recipe.yaml');
    expect(recipe.verify?.boot).toEqual(['bios', 'uefi/usb']);
    expect(errorOf(`${ISSUE_RECIPE}verify:\n  boot: [floppy]\n`)).toMatch(
      /verify\.boot\.0: must be like bios/,
    );
  });

  it('accepts every recipe shipped in examples/', async () => {
    const names = (await readdir(new URL('../../../examples/', import.meta.url))).filter((n) =>
      n.endsWith('.yaml'),
    );
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const text = await readFile(new URL(`../../../examples/${name}`, import.meta.url), 'utf8');
      expect(() => parseRecipe(text, name)).not.toThrow();
    }
  });

  it('exports a JSON Schema that names every step', () => {
    const schema = JSON.stringify(makeRecipeJsonSchema());
    for (const step of ['copy', 'file', 'debs', 'apt', 'kernel', 'run', 'initramfs', 'shell'])
      expect(schema).toContain(`"${step}"`);
  });
});

describe('recipe.schema.json', () => {
  it('is the schema `isoforge recipe --schema` prints (regenerate it after changing src/recipe/schema.ts)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../../recipe.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed).toEqual(makeRecipeJsonSchema());
  });
});
