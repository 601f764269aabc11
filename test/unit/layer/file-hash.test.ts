import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashAhead, hashFile } from '../../../src/layer/file-hash.ts';
import { hashFileRange } from '../../../src/safety/hash-range.ts';
import { runCommand } from '../../../src/tools/exec.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-file-hash-'));
});

/** The digest coreutils gives (sha256sum, md5sum): the reference every hash here must equal. */
async function coreutilsDigest(file: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const { stdout } = await runCommand([`${algorithm}sum`, file]);
  return stdout.split(' ')[0] ?? '';
}

describe('file hashing', () => {
  it('hashes a whole file and a byte range as coreutils does', async () => {
    const file = join(dir, 'range.bin');
    // More than one 4 MiB read, not a multiple of it.
    await writeFile(file, randomBytes(9 * 1024 * 1024 + 17));
    expect(await hashFile(file)).toBe(await coreutilsDigest(file, 'sha256'));
    const part = join(dir, 'part.bin');
    await runCommand(['dd', `if=${file}`, `of=${part}`, 'bs=1', 'skip=1000', 'count=5000', 'status=none']);
    expect(await hashFileRange(file, 1000, 5000, 'md5')).toBe(await coreutilsDigest(part, 'md5'));
  });

  it('takes a digest hashed ahead (in worker threads) while the file is unchanged', async () => {
    const file = join(dir, 'ahead.bin');
    await writeFile(file, randomBytes(5 * 1024 * 1024));
    await hashAhead(file, ['sha256', 'md5']);
    expect(await hashFile(file, 'sha256')).toBe(await coreutilsDigest(file, 'sha256'));
    expect(await hashFile(file, 'md5')).toBe(await coreutilsDigest(file, 'md5'));
  });

  it('hashes again when the file changed after hashAhead started', async () => {
    const file = join(dir, 'changed.bin');
    await writeFile(file, randomBytes(1024 * 1024));
    await hashAhead(file, ['sha256']);
    await appendFile(file, 'one more line\n');
    expect(await hashFile(file, 'sha256')).toBe(await coreutilsDigest(file, 'sha256'));
  });

  it('reports what hashAhead could not read when the digest is asked for', async () => {
    const folder = join(dir, 'a-folder');
    await mkdir(folder);
    await hashAhead(folder, ['sha256']);
    await expect(hashFile(folder, 'sha256')).rejects.toThrow(/EISDIR/);
  });
});
