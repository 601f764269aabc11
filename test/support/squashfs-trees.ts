import { chmod, chown, link, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SquashfsCompressor } from '../../src/squashfs/model.ts';
import { runCommand } from '../../src/tools/exec.ts';

/** The default squashfs block size (mksquashfs -b): the one-block files below are exactly this long. */
export const BLOCK_SIZE = 128 * 1024;
/** Entries in the big directory: more than one directory header (256) and one metadata block (8 KiB) hold. */
export const BIG_DIRECTORY_ENTRIES = 3000;
/** A fixed mtime (2021-01-01T00:00:00Z) for every entry, so listings compare independent of when the tree was made. */
export const TREE_MTIME = 1609459200;

/** Deterministic, poorly compressible bytes (a xorshift stream): real compressed blocks, not all-zero ones. */
export function pseudoRandomBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/**
 * Makes, under a new temporary folder, a tree with every kind of inode squashfs stores: regular
 * files (empty, one byte, exactly one block, one block + 1, sparse, several blocks, compressible),
 * hard links, symlinks (short, long, dangling), char and block devices, a fifo, a socket, xattrs
 * (user.* with short and long values, security.capability), names of 255 bytes, with spaces and
 * UTF-8, a directory of BIG_DIRECTORY_ENTRIES entries, odd owners and modes (setuid, setgid,
 * sticky). Needs root (mknod, chown). Returns the tree's root folder; the caller removes its
 * parent (dirname) when done.
 */
export async function makeEveryInodeTree(): Promise<string> {
  const root = join(await mkdtemp(join(tmpdir(), 'isoforge-sqtree-')), 'tree');
  await mkdir(root);
  await makeRegularFiles(root);
  await makeLinksAndSpecials(root);
  await makeNames(root);
  await makeXattrs(root);
  await makeOwnersAndModes(root);
  // Last: fix every mtime (symlinks too, -h), so listings do not depend on the clock.
  await runCommand(['find', root, '-exec', 'touch', '-h', '-d', `@${TREE_MTIME}`, '{}', '+']);
  return root;
}

async function makeRegularFiles(root: string): Promise<void> {
  const files = join(root, 'files');
  await mkdir(files);
  await writeFile(join(files, 'empty'), '');
  await writeFile(join(files, 'one-byte'), 'x');
  await writeFile(join(files, 'one-block'), pseudoRandomBytes(BLOCK_SIZE, 2));
  await writeFile(join(files, 'one-block-plus-one'), pseudoRandomBytes(BLOCK_SIZE + 1, 3));
  await writeFile(join(files, 'three-blocks-and-tail'), pseudoRandomBytes(3 * BLOCK_SIZE + 1000, 4));
  await writeFile(join(files, 'compressible.txt'), 'squashfs reader test line\n'.repeat(20000));
  await writeFile(join(files, 'small-a'), pseudoRandomBytes(700, 5));
  await writeFile(join(files, 'small-b'), pseudoRandomBytes(1300, 6));
  // Sparse: a hole, then data, then a hole at the end (squashfs stores all-zero blocks as size 0).
  const sparse = join(files, 'sparse');
  await runCommand(['truncate', '-s', String(5 * BLOCK_SIZE + 17), sparse]);
  await runCommand([
    'dd',
    'if=/dev/urandom',
    `of=${sparse}`,
    'bs=1000',
    'count=1',
    `seek=${2 * BLOCK_SIZE}`,
    'oflag=seek_bytes',
    'conv=notrunc',
    'status=none',
  ]);
  await runCommand(['truncate', '-s', String(3 * BLOCK_SIZE), join(files, 'all-hole')]);
}

async function makeLinksAndSpecials(root: string): Promise<void> {
  const links = join(root, 'links');
  await mkdir(links);
  await writeFile(join(links, 'original'), 'hard linked content\n');
  await link(join(links, 'original'), join(links, 'hard-link'));
  await link(join(links, 'original'), join(root, 'hard-link-elsewhere'));
  await symlink('original', join(links, 'symlink'));
  await symlink('/does/not/exist', join(links, 'dangling'));
  await symlink(`${'long-target/'.repeat(30)}end`, join(links, 'long-symlink'));
  await symlink('../files', join(links, 'dir-symlink'));
  const devices = join(root, 'dev');
  await mkdir(devices);
  await runCommand(['mknod', join(devices, 'null'), 'c', '1', '3']);
  await runCommand(['mknod', join(devices, 'big-minor'), 'c', '200', '70000']);
  await runCommand(['mknod', join(devices, 'sda1'), 'b', '8', '1']);
  await runCommand(['mknod', join(devices, 'fifo'), 'p']);
  const socket = join(devices, 'socket');
  await runCommand([
    'python3',
    '-c',
    'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
    socket,
  ]);
}

async function makeNames(root: string): Promise<void> {
  const names = join(root, 'names');
  await mkdir(names);
  await writeFile(join(names, 'n'.repeat(255)), 'longest name');
  await writeFile(join(names, `${'é'.repeat(127)}x`), '255 bytes of UTF-8');
  await writeFile(join(names, 'with spaces and ünïcödé ✓'), 'utf-8');
  await mkdir(join(names, 'empty dir'));
  const big = join(root, 'big-directory');
  await mkdir(big);
  for (let i = 0; i < BIG_DIRECTORY_ENTRIES; i++) {
    const name = join(big, `entry-${String(i).padStart(5, '0')}`);
    if (i % 500 === 7) await mkdir(name);
    else await writeFile(name, i % 3 === 0 ? '' : `entry ${i}\n`);
  }
}

async function makeXattrs(root: string): Promise<void> {
  const target = join(root, 'xattrs');
  await mkdir(target);
  const file = join(target, 'file');
  await writeFile(file, 'has xattrs\n');
  await runCommand(['setfattr', '-n', 'user.short', '-v', 'value', file]);
  await runCommand(['setfattr', '-n', 'user.long', '-v', `0x${'ab'.repeat(3000)}`, file]);
  await runCommand(['setcap', 'cap_net_raw+ep', file]);
  // The same set on a second file: mksquashfs stores it once, the second as an out-of-line value reference.
  const twin = join(target, 'twin');
  await writeFile(twin, 'same xattrs\n');
  await runCommand(['setfattr', '-n', 'user.short', '-v', 'value', twin]);
  await runCommand(['setfattr', '-n', 'user.long', '-v', `0x${'ab'.repeat(3000)}`, twin]);
  await runCommand(['setfattr', '-n', 'user.dir', '-v', 'on a directory', target]);
  await symlink('file', join(target, 'symlink'));
  await runCommand(['mknod', join(target, 'fifo'), 'p']);
  // user.* is refused on special files and symlinks: trusted.* (root only) gives the extended fifo and symlink inodes.
  await runCommand(['setfattr', '-n', 'trusted.fifo', '-v', 'on a fifo', join(target, 'fifo')]);
  await runCommand(['setfattr', '-h', '-n', 'trusted.link', '-v', 'on a symlink', join(target, 'symlink')]);
}

async function makeOwnersAndModes(root: string): Promise<void> {
  const modes = join(root, 'modes');
  await mkdir(modes);
  const cases: [string, number][] = [
    ['setuid', 0o4755],
    ['setgid', 0o2750],
    ['sticky-dir', 0o1777],
    ['no-permissions', 0o000],
    ['odd', 0o6421],
  ];
  for (const [name, mode] of cases) {
    const path = join(modes, name);
    if (name.endsWith('-dir')) await mkdir(path);
    else await writeFile(path, name);
    await chmod(path, mode);
  }
  await chown(join(modes, 'setuid'), 1234, 5678);
  await chown(join(modes, 'setgid'), 0, 4242);
  await chown(join(modes, 'sticky-dir'), 65534, 65534);
  await runCommand(['chown', '-h', '1234:5678', join(root, 'links', 'symlink')]);
}

export interface PackOptions {
  compressor: SquashfsCompressor;
  /** More mksquashfs arguments: -b 4096, -no-fragments, -always-use-fragments, -no-xattrs... */
  extraArgs?: readonly string[];
}

/** Packs TREE into a new squashfs image OUT with mksquashfs (owners kept, no progress bar) and returns OUT. */
export async function packSquashfs(tree: string, out: string, options: PackOptions): Promise<string> {
  await runCommand([
    'mksquashfs',
    tree,
    out,
    '-noappend',
    '-no-progress',
    '-quiet',
    '-comp',
    options.compressor,
    ...(options.extraArgs ?? []),
  ]);
  return out;
}
