import { mkdir, symlink, writeFile, link } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../src/tools/exec.ts';
import type { DirectoryNode, FileNode, SquashfsNode, SquashfsSource } from '../../../src/squashfs/model.ts';

const BLOCK = 4096;
const UNCOMPRESSED = 1 << 24;
const MTIME = 1700000000;

/**
 * The same tree twice: as a directory on disk (for mksquashfs) and as a squashfs model whose file
 * data are uncompressed blocks in one raw source file (bit 24 of each size word), so the writer can
 * be checked against mksquashfs without a reader.
 */
export async function makeSyntheticTree(
  dir: string,
): Promise<{ upper: string; root: DirectoryNode; source: string }> {
  const upper = join(dir, 'upper');
  const sourceFile = join(dir, 'raw.bin');
  const source: SquashfsSource = { file: sourceFile, offset: 0, compressor: 'gzip', blockSize: BLOCK };
  const chunks: Buffer[] = [];
  let at = 0;
  const store = (bytes: Buffer) => {
    chunks.push(bytes);
    at += bytes.length;
    return at - bytes.length;
  };
  const attrs = (mode: number) => ({ mode, uid: 0, gid: 0, mtime: MTIME, xattrs: [] as FileNode['xattrs'] });
  const fileNode = (content: Buffer, mode = 0o644): FileNode => {
    const full = Math.floor(content.length / BLOCK);
    const blocksStart = at;
    const blockSizes: number[] = [];
    for (let i = 0; i < full; i++) {
      const block = content.subarray(i * BLOCK, (i + 1) * BLOCK);
      if (block.every((byte) => byte === 0)) blockSizes.push(0);
      else {
        store(Buffer.from(block));
        blockSizes.push(BLOCK | UNCOMPRESSED);
      }
    }
    const tail = content.subarray(full * BLOCK);
    const fragment = tail.length
      ? { source, start: store(Buffer.from(tail)), sizeWord: tail.length | UNCOMPRESSED, offset: 0 }
      : null;
    return {
      type: 'file',
      ...attrs(mode),
      size: content.length,
      data: { source, blocksStart, blockSizes, fragment },
    };
  };
  const pattern = (length: number, seed: number) =>
    Buffer.from(Array.from({ length }, (_, i) => (i * seed) & 0xff));
  const contents: Record<string, Buffer> = {
    big: pattern(3 * BLOCK + 77, 7),
    small: pattern(100, 3),
    empty: Buffer.alloc(0),
    sparse: Buffer.concat([Buffer.alloc(2 * BLOCK), pattern(BLOCK + 5, 5)]),
  };
  const root: DirectoryNode = { type: 'dir', ...attrs(0o755), entries: new Map() };
  await mkdir(upper);
  for (const [name, content] of Object.entries(contents)) {
    root.entries.set(name, fileNode(content));
    await writeFile(join(upper, name), content);
  }
  root.entries.set('hardlink', root.entries.get('small')!);
  await link(join(upper, 'small'), join(upper, 'hardlink'));
  root.entries.set('link', { type: 'symlink', ...attrs(0o777), target: 'big' });
  await symlink('big', join(upper, 'link'));
  root.entries.set('null', { type: 'char', ...attrs(0o644), rdev: (1 << 8) | 3 });
  root.entries.set('fifo', { type: 'fifo', ...attrs(0o644) });
  await runCommand(['mknod', '-m', '644', join(upper, 'null'), 'c', '1', '3']);
  await runCommand(['mkfifo', '-m', '644', join(upper, 'fifo')]);
  const opaque = { name: 'trusted.overlay.opaque', value: Buffer.from('y') };
  const sub: DirectoryNode = { type: 'dir', ...attrs(0o700), xattrs: [opaque], entries: new Map() };
  root.entries.set('sub', sub);
  await mkdir(join(upper, 'sub'), { mode: 0o700 });
  await runCommand(['setfattr', '-n', opaque.name, '-v', 'y', join(upper, 'sub')]);
  // A big directory: listing over 8 KiB, more than 256 entries (index entries, header splits).
  const many: DirectoryNode = { type: 'dir', ...attrs(0o755), entries: new Map() };
  root.entries.set('many', many);
  await mkdir(join(upper, 'many'));
  for (let i = 0; i < 700; i++) {
    const name = `entry-with-a-longer-name-${i}`;
    const node: SquashfsNode =
      i % 2 ? { type: 'symlink', ...attrs(0o777), target: `t${i}` } : fileNode(pattern(i, 11));
    many.entries.set(name, node);
    if (node.type === 'symlink') await symlink(node.target, join(upper, 'many', name));
    else await writeFile(join(upper, 'many', name), pattern(i, 11));
  }
  await writeFile(sourceFile, Buffer.concat(chunks));
  await runCommand(['chmod', '-R', 'go-w', upper]);
  await runCommand(['find', upper, '-exec', 'touch', '-h', '-d', `@${MTIME}`, '{}', '+']);
  return { upper, root, source: sourceFile };
}
