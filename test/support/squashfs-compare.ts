import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DirectoryNode, FileNode, SquashfsNode } from '../../src/squashfs/model.ts';
import { runCommand } from '../../src/tools/exec.ts';

/** Every node of a tree by its path ("" for the root, "dir/name" below it), in pre-order. */
export function walkTree(root: DirectoryNode): Map<string, SquashfsNode> {
  const nodes = new Map<string, SquashfsNode>();
  const visit = (node: SquashfsNode, path: string): void => {
    nodes.set(path, node);
    if (node.type === 'dir')
      for (const [name, child] of node.entries) visit(child, path ? `${path}/${name}` : name);
  };
  visit(root, '');
  return nodes;
}

/** The regular files of a tree by path. */
export function regularFiles(root: DirectoryNode): Map<string, FileNode> {
  const files = new Map<string, FileNode>();
  for (const [path, node] of walkTree(root)) if (node.type === 'file') files.set(path, node);
  return files;
}

/** `unsquashfs -lln` of the image at OFFSET of FILE, times in UTC. */
export async function unsquashfsListing(file: string, offset = 0): Promise<string[]> {
  const { stdout } = await runCommand(['unsquashfs', '-o', String(offset), '-lln', file], {
    env: { TZ: 'UTC' },
  });
  return stdout.split('\n').filter((line) => line !== '');
}

/** Extracts the image (or only PATHS of it) at OFFSET of FILE into the new folder DEST with unsquashfs. */
export async function unsquashfsExtract(
  file: string,
  dest: string,
  offset = 0,
  paths: string[] = [],
): Promise<void> {
  await runCommand(['unsquashfs', '-o', String(offset), '-q', '-n', '-d', dest, file, ...paths]);
}

export async function sha256OfFile(path: string): Promise<string> {
  return sha256(await readFile(path));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `getfattr -R -h -d -m - -e hex` of a folder as path -> sorted "name=0xhex" lines (paths with xattrs only). */
export async function getfattrDump(dir: string): Promise<Map<string, string[]>> {
  const { stdout } = await runCommand(['getfattr', '-R', '-h', '-d', '-m', '-', '-e', 'hex', '.'], {
    cwd: dir,
  });
  const dump = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = [];
      dump.set(unescapeGetfattr(line.slice('# file: '.length)).replace(/^\.\//, ''), current);
    } else if (line && current) current.push(line);
  }
  for (const lines of dump.values()) lines.sort();
  return dump;
}

/** getfattr escapes non-printable and non-ASCII bytes in names as \ooo octal. */
function unescapeGetfattr(name: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const octal = /^\\([0-7]{3})/.exec(name.slice(i));
    if (octal?.[1]) {
      bytes.push(parseInt(octal[1], 8));
      i += 3;
    } else bytes.push(...Buffer.from(name[i] ?? ''));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The model's xattrs in the shape of getfattrDump. */
export function modelXattrs(root: DirectoryNode): Map<string, string[]> {
  const dump = new Map<string, string[]>();
  for (const [path, node] of walkTree(root)) {
    if (node.xattrs.length === 0) continue;
    const lines = node.xattrs.map(({ name, value }) => `${name}=0x${Buffer.from(value).toString('hex')}`);
    dump.set(path === '' ? '.' : path, lines.sort());
  }
  return dump;
}
