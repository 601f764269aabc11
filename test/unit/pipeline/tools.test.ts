import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, MissingToolError } from '../../../src/errors.ts';
import { checkBuildTools, checkTerminalSteps, parseNeededPrograms } from '../../../src/pipeline/tools.ts';
import { RecipeError } from '../../../src/errors.ts';

const PLAN = {
  layers: [{ ancestors: [] }],
  sign: undefined,
  recipeVerify: undefined,
} as unknown as Parameters<typeof checkBuildTools>[0];
const savedPath = process.env.PATH;

afterEach(() => {
  process.env.PATH = savedPath;
});

describe('build tools', () => {
  it('names what a build runs: gpg only when signing, qemu only for boot tests', () => {
    expect(parseNeededPrograms(PLAN)).toEqual([
      'xorriso',
      'unsquashfs',
      'mksquashfs',
      'mount',
      'umount',
      'bwrap',
    ]);
    const signed = { ...PLAN, sign: { key: 'ABCDEF0123456789' }, recipeVerify: { boot: ['bios'] } };
    expect(parseNeededPrograms(signed)).toContain('gpg');
    expect(parseNeededPrograms(signed)).toContain('qemu-system-x86_64');
    const upper = { ...PLAN, layers: [{ ancestors: [{ name: 'base' }] }] } as unknown as typeof PLAN;
    expect(parseNeededPrograms(upper).at(-1)).toBe('getfattr');
  });

  it('finds them on this machine', async () => {
    await expect(checkBuildTools(PLAN)).resolves.toBeUndefined();
  });

  it('fails before any work with the packages to install when they are not on PATH', async () => {
    process.env.PATH = '/nonexistent';
    const error = await checkBuildTools(PLAN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingToolError);
    expect((error as MissingToolError).exitCode).toBe(ExitCode.missingTool);
    expect((error as MissingToolError).message).toBe(
      'the build needs xorriso, unsquashfs, mksquashfs, mount, umount, bwrap, not found on PATH',
    );
    expect((error as MissingToolError).hint).toBe(
      'install it: apt-get install -y xorriso squashfs-tools mount bubblewrap',
    );
  });
});

describe('checkTerminalSteps', () => {
  const layers = (steps: unknown[]) =>
    [{ layer: { name: 'top' }, recipe: { steps } }] as unknown as Parameters<
      typeof checkTerminalSteps
    >[0]['layers'];

  it('refuses a shell step without a terminal, before any work', () => {
    expect(() => checkTerminalSteps({ layers: layers([{ run: 'true' }, { shell: true }]) }, false)).toThrow(
      RecipeError,
    );
    expect(() => checkTerminalSteps({ layers: layers([{ shell: true }]) }, false)).toThrow(
      /layer top has a shell step/,
    );
  });

  it('lets it through on a terminal, and other steps anywhere', () => {
    expect(() => checkTerminalSteps({ layers: layers([{ shell: true }]) }, true)).not.toThrow();
    expect(() => checkTerminalSteps({ layers: layers([{ run: 'true' }]) }, false)).not.toThrow();
  });
});
