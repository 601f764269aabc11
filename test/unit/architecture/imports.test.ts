import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
let scratch: string;

/** Runs the import check the way `npm test` does, on the src/ folder under DIR. */
function checkImports(dir: string) {
  return execa(
    DEPCRUISE,
    ['src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'],
    {
      cwd: dir,
      reject: false,
    },
  );
}

async function writeModule(path: string, text: string): Promise<void> {
  await mkdir(join(scratch, 'src', path, '..'), { recursive: true });
  await writeFile(join(scratch, 'src', path), text);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'isoforge-imports-'));
  await cp(join(ROOT, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the import directions of src/', () => {
  it('hold in the real source tree', async () => {
    const result = await checkImports(ROOT);
    expect(result.stdout).toContain('no dependency violations found');
    expect(result.exitCode).toBe(0);
  });

  it('refuse a deliberately added cycle', async () => {
    await writeModule('verify/a.ts', "import { b } from './b.ts';\nexport const a = () => b;\n");
    await writeModule('verify/b.ts', "import { a } from './a.ts';\nexport const b = () => a;\n");
    const result = await checkImports(scratch);
    expect(result.stdout).toMatch(/error no-circular: src\/verify\/a\.ts/);
    expect(result.exitCode).toBeGreaterThan(0);
  });

  it('refuse a low layer importing a higher one', async () => {
    await rm(join(scratch, 'src'), { recursive: true, force: true });
    await writeModule('pipeline/build.ts', 'export const build = 1;\n');
    await writeModule(
      'iso/volume.ts',
      "import { build } from '../pipeline/build.ts';\nexport const v = build;\n",
    );
    const result = await checkImports(scratch);
    expect(result.stdout).toContain('error iso-imports-upward: src/iso/volume.ts → src/pipeline/build.ts');
    expect(result.exitCode).toBeGreaterThan(0);
  });
});
