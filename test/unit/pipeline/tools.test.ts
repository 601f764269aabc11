import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, MissingToolError } from '../../../src/errors.ts';
import { checkBuildTools, parseNeededPrograms } from '../../../src/pipeline/tools.ts';

const PLAN = { layers: [{}], sign: undefined, recipeVerify: undefined } as unknown as Parameters<
  typeof checkBuildTools
>[0];
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
      'chroot',
    ]);
    const signed = { ...PLAN, sign: { key: 'ABCDEF0123456789' }, recipeVerify: { boot: ['bios'] } };
    expect(parseNeededPrograms(signed)).toContain('gpg');
    expect(parseNeededPrograms(signed)).toContain('qemu-system-x86_64');
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
      'the build needs xorriso, unsquashfs, mksquashfs, mount, umount, chroot, not found on PATH',
    );
    expect((error as MissingToolError).hint).toBe(
      'install it: apt-get install -y xorriso squashfs-tools mount coreutils',
    );
  });
});
