import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInitrdFile } from '../../../src/distro/initrd.ts';
import { FormatError } from '../../../src/errors.ts';
import { parseInitrd } from '../../../src/iso/cpio.ts';
import { runCommand } from '../../../src/tools/exec.ts';

// Initrds made the way mkinitramfs makes them: GNU cpio -H newc archives, an uncompressed early
// one (microcode) in front of the compressed main one, read back with the TypeScript reader.
const UUID = '0b7d4b3e-5b1a-4c4e-9f57-3d2c1a6e8f01';
let dir: string;

async function makeCpio(tree: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(tree, path, '..'), { recursive: true });
    await writeFile(join(tree, path), text);
  }
  const list = `${Object.keys(files).join('\n')}\n`;
  const out = `${tree}.cpio`;
  await runCommand(['cpio', '--quiet', '-o', '-H', 'newc', '-R', '0:0', '-D', tree, '-F', out], {
    input: list,
  });
  return out;
}

/** EARLY (uncompressed) + MAIN compressed with COMPRESS (a program name and its arguments). */
async function makeInitrd(name: string, compress: string[], main: Record<string, string>): Promise<string> {
  const early = await readFile(
    await makeCpio(join(dir, `${name}-early`), { 'kernel/x86/microcode/GenuineIntel.bin': 'ucode' }),
  );
  const mainCpio = await makeCpio(join(dir, `${name}-main`), main);
  await runCommand([...compress, mainCpio]);
  const suffix = { zstd: '.zst', gzip: '.gz', xz: '.xz', lz4: '.lz4' }[compress[0] as string] ?? '';
  const initrd = join(dir, `${name}.img`);
  await writeFile(initrd, Buffer.concat([early, await readFile(mainCpio + suffix)]));
  return initrd;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-initrd-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readInitrdFile', () => {
  const main = {
    init: '#!/bin/sh\n',
    'conf/uuid.conf': `${UUID}\n`,
    'conf/initramfs.conf': 'MODULES=list\n',
  };

  for (const compress of [
    ['zstd', '-q', '-19'],
    ['gzip', '-9'],
    ['xz', '--check=crc32'],
  ]) {
    it(`finds conf/uuid.conf behind an early archive, main part ${compress[0]}`, async () => {
      const initrd = await makeInitrd(compress[0] as string, compress, main);
      const parts = parseInitrd(await readFile(initrd), initrd);
      expect(parts.members.map((m) => m.path)).toContain('kernel/x86/microcode/GenuineIntel.bin');
      expect(parts.compressed?.compression).toBe(compress[0]);
      const uuid = await readInitrdFile(initrd, 'conf/uuid.conf', dir);
      expect(new TextDecoder().decode(uuid ?? new Uint8Array())).toBe(`${UUID}\n`);
    });
  }

  it('returns null for an initrd without the file (made without CASPER_GENERATE_UUID)', async () => {
    const initrd = await makeInitrd('no-uuid', ['gzip'], { init: '#!/bin/sh\n' });
    expect(await readInitrdFile(initrd, 'conf/uuid.conf', dir)).toBeNull();
  });

  it('reads an initrd that is one uncompressed archive', async () => {
    const initrd = await makeCpio(join(dir, 'plain'), main);
    expect(new TextDecoder().decode((await readInitrdFile(initrd, 'conf/uuid.conf', dir)) ?? undefined)).toBe(
      `${UUID}\n`,
    );
  });

  it('names the compression it cannot read (lz4 legacy, as COMPRESS=lz4 makes)', async () => {
    const initrd = await makeInitrd('lz4', ['lz4', '-q', '-l', '-f', '-m'], main);
    const error = await readInitrdFile(initrd, 'conf/uuid.conf', dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toBe(
      `${initrd}: its main archive is lz4-compressed, which isoforge cannot read`,
    );
  });

  it('refuses bytes that are neither cpio nor a known stream, naming the offset', () => {
    expect(() => parseInitrd(new TextEncoder().encode('not an initrd'), 'x.img')).toThrow(
      'x.img: byte 0 starts neither a cpio archive nor a known compressed stream',
    );
  });
});
