import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/tools/exec.ts';

/** What "the same content" means for two squashfs images (issue 11): listing, file hashes, xattrs, hard links. */
export interface TreeContent {
  /** sha256 of every regular file, by path. */
  hashes: Record<string, string>;
  /** `getfattr -d` of every entry, blocks sorted by path. */
  xattrs: string;
  /** Hard-link groups: the paths sharing an inode, one sorted line per group. */
  hardLinks: string[];
}

export interface SquashfsContent extends TreeContent {
  /** `TZ=UTC unsquashfs -lln`: modes, owners, sizes, times, link targets, device numbers. */
  listing: string[];
}

/** Lists and extracts IMAGE (at OFFSET) with unsquashfs and describes what came out. */
export async function describeSquashfs(image: string, offset = 0): Promise<SquashfsContent> {
  const at = offset ? ['-o', String(offset)] : [];
  const { stdout } = await runCommand(['unsquashfs', '-lln', ...at, image], { env: { TZ: 'UTC' } });
  const listing = stdout.split('\n').filter((line) => line.includes(' squashfs-root'));
  const temp = await mkdtemp(join(tmpdir(), 'isoforge-sqcmp-'));
  try {
    const dir = join(temp, 'root');
    await runCommand(['unsquashfs', '-d', dir, '-xattrs', '-no-progress', ...at, image]);
    return { listing, ...(await describeTree(dir)) };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Hashes, xattrs and hard links of a directory tree (an extraction or a mounted image). */
export async function describeTree(dir: string): Promise<TreeContent> {
  const hashes: Record<string, string> = {};
  const inodes = new Map<number, string[]>();
  const walk = async (path: string, rel: string): Promise<void> => {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const info = await lstat(full);
      const relPath = `${rel}/${name}`;
      if (info.isDirectory()) await walk(full, relPath);
      else if (info.isFile()) hashes[relPath] = await sha256(full);
      if (!info.isDirectory() && info.nlink > 1)
        inodes.set(info.ino, [...(inodes.get(info.ino) ?? []), relPath]);
    }
  };
  await walk(dir, '');
  const hardLinks = [...inodes.values()].map((paths) => paths.sort().join(' ')).sort();
  return { hashes, xattrs: await readXattrs(dir), hardLinks };
}

async function readXattrs(dir: string): Promise<string> {
  const { stdout } = await runCommand(['getfattr', '-R', '-h', '-d', '-m', '-', '-e', 'base64', '.'], {
    cwd: dir,
  });
  return stdout
    .split('\n\n')
    .map((block) => block.trim())
    .filter(Boolean)
    .sort()
    .join('\n\n');
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** Runs FN with IMAGE mounted read-only by the kernel's squashfs driver; always unmounts. */
export async function withMountedSquashfs<T>(image: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const temp = await mkdtemp(join(tmpdir(), 'isoforge-sqmnt-'));
  const dir = join(temp, 'mnt');
  await mkdir(dir);
  await runCommand(['mount', '-t', 'squashfs', '-o', 'loop,ro', image, dir]);
  try {
    return await fn(dir);
  } finally {
    await runCommand(['umount', dir]);
    await rm(temp, { recursive: true, force: true });
  }
}
