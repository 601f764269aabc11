import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/tools/exec.ts';
import { installPackedIsoforge } from '../../scripts/pack-install.ts';

// isoforge as users install tools: `npm pack`, then `npm install -g` of the tarball into a
// prefix of its own, run from there with nothing of the checkout (no src/, no tsx).
const TIMEOUT = 600_000;
let prefix: string;
let files: string[];

beforeAll(async () => {
  ({ prefix, files } = await installPackedIsoforge(await mkdtemp(join(tmpdir(), 'isoforge-pack-'))));
}, TIMEOUT);

describe('the npm package', () => {
  it('ships the compiled dist/ and the command, not the sources, tests or tools of development', () => {
    expect(files).toContain('bin/isoforge');
    expect(files).toContain('dist/cli/main.js');
    expect(files.filter((path) => /^(src|test|bench|scripts)\//.test(path))).toEqual([]);
    expect(files.filter((path) => path.endsWith('.map'))).toEqual([]);
  });

  it('installs with its runtime dependencies only', () => {
    const modules = join(prefix, 'lib/node_modules/isoforge/node_modules');
    for (const dev of ['tsx', 'typescript', 'vitest', 'eslint', 'prettier', 'dependency-cruiser'])
      expect(existsSync(join(modules, dev)), dev).toBe(false);
    expect(existsSync(join(modules, 'commander'))).toBe(true);
  });

  it('runs from the prefix: --version, doctor, and inspect --mkisofs as xorriso reports it', async () => {
    const bin = join(prefix, 'bin/isoforge');
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect((await runCommand([bin, '--version'])).stdout.trim()).toBe(pkg.version);
    const doctor = JSON.parse((await runCommand([bin, 'doctor', '--json'])).stdout) as {
      checks: { name: string; aptPackage: string; status: string }[];
      fix: string | null;
    };
    expect(doctor.fix).toBeNull();
    expect(doctor.checks.find((check) => check.name === 'xorriso')).toMatchObject({
      aptPackage: 'xorriso',
      status: 'ok',
    });
    const iso = '/usr/lib/ipxe/ipxe.iso';
    const inspect = await runCommand([bin, 'inspect', iso, '--mkisofs']);
    const xorriso = await runCommand(['xorriso', '-indev', iso, '-report_el_torito', 'as_mkisofs']);
    expect(inspect.stdout.trim()).toBe(xorriso.stdout.trim());
  });
});
