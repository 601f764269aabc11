import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/tools/exec.ts';

/** The bytes of FILE in ISO, as xorriso extracts it (an independent reader of the ISO 9660 tree). */
export async function isoFileBytes(iso: string, file: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-extract-'));
  try {
    await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', file, join(dir, 'file')]);
    return await readFile(join(dir, 'file'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** FILE of ISO as text, as xorriso extracts it. */
export async function isoFile(iso: string, file: string): Promise<string> {
  return (await isoFileBytes(iso, file)).toString('utf8');
}
