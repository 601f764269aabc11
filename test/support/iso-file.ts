import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/tools/exec.ts';

/** FILE of ISO, as xorriso extracts it (an independent reader of the ISO 9660 tree). */
export async function isoFile(iso: string, file: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-extract-'));
  try {
    await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', file, join(dir, 'file')]);
    return await readFile(join(dir, 'file'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
