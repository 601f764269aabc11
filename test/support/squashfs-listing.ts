import type { DirectoryNode, SquashfsNode } from '../../src/squashfs/model.ts';

/**
 * A tree as `unsquashfs -lln` prints it (squashfs-tools 4.5.1 unsquashfs.c print_filename, with
 * TZ=UTC): mode string, uid/gid, size (or major,minor of the raw rdev word), mtime to the minute,
 * the path under "squashfs-root", " -> target" for symlinks; pre-order, entries in byte order.
 */
export function renderUnsquashfsListing(
  root: DirectoryNode,
  directorySize: (node: DirectoryNode) => number,
): string[] {
  const lines: string[] = [];
  const visit = (node: SquashfsNode, path: string): void => {
    lines.push(renderLine(node, path, directorySize));
    if (node.type !== 'dir') return;
    const names = [...node.entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) visit(node.entries.get(name) as SquashfsNode, `${path}/${name}`);
  };
  visit(root, 'squashfs-root');
  return lines;
}

/** TOTALCHARS in unsquashfs.c: the width of "uid/gid size" before the time. */
const TOTAL_CHARS = 25;

function renderLine(
  node: SquashfsNode,
  path: string,
  directorySize: (node: DirectoryNode) => number,
): string {
  const owners = `${node.uid}/${node.gid}`;
  const width = TOTAL_CHARS - String(node.uid).length - String(node.gid).length;
  let size: string;
  if (node.type === 'char' || node.type === 'block') {
    // unsquashfs prints the stored word split at bit 8, not the decoded major/minor.
    size = `${' '.padStart(width - 7)}${String(node.rdev >>> 8).padStart(3)},${String(node.rdev & 0xff).padStart(3)}`;
  } else {
    size = String(sizeOf(node, directorySize)).padStart(width);
  }
  const time = new Date(node.mtime * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const target = node.type === 'symlink' ? ` -> ${node.target}` : '';
  return `${modeString(node)} ${owners} ${size} ${time} ${path}${target}`;
}

function sizeOf(node: SquashfsNode, directorySize: (node: DirectoryNode) => number): number {
  switch (node.type) {
    case 'dir':
      return directorySize(node);
    case 'file':
      return node.size;
    case 'symlink':
      return Buffer.byteLength(node.target);
    default:
      return 0;
  }
}

const TYPE_CHARS: Record<SquashfsNode['type'], string> = {
  dir: 'd',
  file: '-',
  symlink: 'l',
  char: 'c',
  block: 'b',
  fifo: 'p',
  socket: 's',
};

/** ls-style mode string: rwx triplets, s/S for setuid/setgid, t/T for sticky. */
export function modeString(node: SquashfsNode): string {
  const { mode } = node;
  const triplet = (shift: number, special: number, setChar: string): string => {
    const bits = (mode >> shift) & 7;
    const execute = bits & 1;
    let x = execute ? 'x' : '-';
    if (mode & special) x = execute ? setChar : setChar.toUpperCase();
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${x}`;
  };
  return TYPE_CHARS[node.type] + triplet(6, 0o4000, 's') + triplet(3, 0o2000, 's') + triplet(0, 0o1000, 't');
}
