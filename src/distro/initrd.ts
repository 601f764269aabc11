import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '../errors.ts';
import { type CpioMember, parseCpioArchives, parseInitrd } from '../iso/cpio.ts';
import { removeTree } from '../safety/remove.ts';
import { runZstdDecompress } from '../tools/zstd.ts';

/** The compressed streams zstd can read (it has no lz4-legacy, bzip2 or lzo decoder). */
const READABLE = ['gzip', 'zstd', 'xz', 'lzma'];

/**
 * The content of PATH (conf/uuid.conf) in the initrd file INITRD, or null when the initrd has no
 * such file. Reads what unmkinitramfs reads: early uncompressed archives, then the compressed rest
 * (decompressed under WORKDIR). When several archives carry PATH, the last wins, as in the kernel.
 */
export async function readInitrdFile(
  initrd: string,
  path: string,
  workDir: string,
  signal?: AbortSignal,
): Promise<Uint8Array | null> {
  return readInitrdMember(await readFile(initrd), initrd, path, workDir, signal);
}

/** readInitrdFile of an initrd already in memory (read out of an ISO); LABEL names it in errors. */
export async function readInitrdMember(
  bytes: Uint8Array,
  initrd: string,
  path: string,
  workDir: string,
  signal?: AbortSignal,
): Promise<Uint8Array | null> {
  return (await readInitrdMembers(bytes, initrd, [path], workDir, signal)).get(path) ?? null;
}

/** Several regular files of one initrd, decompressed once: path -> content, absent ones left out. */
export async function readInitrdMembers(
  bytes: Uint8Array,
  initrd: string,
  paths: readonly string[],
  workDir: string,
  signal?: AbortSignal,
): Promise<Map<string, Uint8Array>> {
  const parts = parseInitrd(bytes, initrd);
  const members: CpioMember[] = [...parts.members];
  if (parts.compressed) {
    const { offset, compression } = parts.compressed;
    if (!READABLE.includes(compression)) {
      throw new FormatError(
        `${initrd}: its main archive is ${compression}-compressed, which isoforge cannot read`,
        {
          hint: `make the initrd with COMPRESS=zstd (or gzip, xz) in /etc/initramfs-tools/initramfs.conf`,
        },
      );
    }
    const dir = await mkdtemp(join(workDir, 'initrd-'));
    try {
      await writeFile(join(dir, 'compressed'), bytes.subarray(offset));
      await runZstdDecompress(join(dir, 'compressed'), join(dir, 'cpio'), signal);
      members.push(...parseCpioArchives(await readFile(join(dir, 'cpio')), 0, `${initrd} (decompressed)`));
    } finally {
      await removeTree(dir, { within: workDir });
    }
  }
  const found = new Map<string, Uint8Array>();
  for (const path of paths) {
    const member = members.findLast((m) => m.path === path && (m.mode & 0o170000) === 0o100000);
    if (member) found.set(path, member.data);
  }
  return found;
}
