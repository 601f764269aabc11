import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCpioArchive } from '../../../src/sample/cpio.ts';
import { runCommand } from '../../../src/tools/exec.ts';

describe('makeCpioArchive', () => {
  it('writes a newc archive that GNU cpio unpacks with the same names, modes and bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoforge-cpio-'));
    const archive = makeCpioArchive([
      { path: 'bin', mode: 0o040755 },
      { path: 'bin/hello', mode: 0o100755, data: new TextEncoder().encode('#!/bin/sh\necho hi\n') },
      { path: 'etc/odd-size', mode: 0o100644, data: new Uint8Array([1, 2, 3]) },
    ]);
    await writeFile(join(dir, 'a.cpio'), archive);
    const listing = await runCommand(['cpio', '-itv', '-F', join(dir, 'a.cpio')]);
    expect(listing.stderr + listing.stdout).toMatch(/-rwxr-xr-x .* bin\/hello/);
    await runCommand(['cpio', '-idm', '--quiet', '-F', join(dir, 'a.cpio')], { cwd: dir });
    expect(await readFile(join(dir, 'bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect([...(await readFile(join(dir, 'etc/odd-size')))]).toEqual([1, 2, 3]);
  });
});
