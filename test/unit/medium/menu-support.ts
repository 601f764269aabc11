import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GrubScriptCheck, runGrubScriptCheck } from '../../../src/tools/grub.ts';

/** The kernels the menus of the tests boot the live system with (casper, live-boot). */
export const isLiveKernel = (path: string): boolean => /^\/(casper|live)\/(hwe-)?vmlinuz/.test(path);

export function readMenuFixture(name: string): Promise<string> {
  return readFile(new URL(`../../fixtures/menus/${name}`, import.meta.url), 'utf8');
}

/** GRUB's own parser on TEXT (grub-script-check reads a file). */
export async function checkGrubText(text: string): Promise<GrubScriptCheck> {
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-menus-'));
  try {
    const file = join(dir, 'grub.cfg');
    await writeFile(file, text);
    return await runGrubScriptCheck(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
