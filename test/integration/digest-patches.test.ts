import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyDigestPatches, makePlaceholder, placeholderOffsets } from '../../src/output/digest-patches.ts';
import { runCommand } from '../../src/tools/exec.ts';

// A checksum file written with a placeholder where a digest still being taken goes: the digest is
// put over it in the written ISO and the local copy, read back here with xorriso.
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-digest-patches-'));
});

async function makeIso(name: string, checksumText: string): Promise<{ iso: string; local: string }> {
  const tree = join(dir, `${name}-tree`);
  await mkdir(join(tree, 'casper'), { recursive: true });
  await writeFile(join(tree, 'casper/layer.squashfs'), 'layer bytes\n');
  await writeFile(join(tree, 'md5sum.txt'), checksumText);
  const iso = join(dir, `${name}.iso`);
  await runCommand(['xorriso', '-as', 'mkisofs', '-r', '-J', '-o', iso, tree]);
  const local = join(dir, `${name}-md5sum.txt`);
  await writeFile(local, checksumText);
  return { iso, local };
}

const extract = async (iso: string, isoPath: string) => {
  const out = join(dir, `extracted-${Math.random().toString(16).slice(2)}`);
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', isoPath, out]);
  return readFile(out, 'utf8');
};

describe('digest patches', () => {
  it('put the digest over its placeholder in the ISO and the local copy, nothing else moving', async () => {
    const placeholder = makePlaceholder(32);
    expect(placeholder).toMatch(/^[0-9a-f]{32}$/);
    const text = `0123456789abcdef0123456789abcdef  ./casper/other\n${placeholder}  ./casper/layer.squashfs\n`;
    const { iso, local } = await makeIso('good', text);
    const offsets = placeholderOffsets(text, placeholder);
    expect(offsets).toEqual([49]);
    const digest = 'fedcba9876543210fedcba9876543210';
    const sizeBefore = (await readFile(iso)).length;
    await applyDigestPatches(iso, [
      { isoPath: '/md5sum.txt', localPath: local, offsets, placeholder, digest: Promise.resolve(digest) },
    ]);
    const expected = text.replace(placeholder, digest);
    expect(await extract(iso, '/md5sum.txt')).toBe(expected);
    expect(await readFile(local, 'utf8')).toBe(expected);
    expect(await extract(iso, '/casper/layer.squashfs')).toBe('layer bytes\n');
    expect((await readFile(iso)).length).toBe(sizeBefore);
  });

  it('refuses to write where its placeholder is not', async () => {
    const text = '0123456789abcdef0123456789abcdef  ./casper/layer.squashfs\n';
    const { iso, local } = await makeIso('moved', text);
    const patch = {
      isoPath: '/md5sum.txt',
      localPath: local,
      offsets: [0],
      placeholder: makePlaceholder(32),
      digest: Promise.resolve('fedcba9876543210fedcba9876543210'),
    };
    await expect(applyDigestPatches(iso, [patch])).rejects.toThrow(/no digest placeholder at byte/);
    expect(await extract(iso, '/md5sum.txt')).toBe(text);
  });
});
