import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

/** One line of /proc/self/mountinfo (proc(5)), the fields isoforge needs. */
export interface MountInfoEntry {
  mountId: number;
  parentId: number;
  /** "major:minor" of the mounted file system, as st_dev reports it. */
  device: string;
  /** The directory of the source file system that is mounted here (a bind mount's subtree). */
  root: string;
  mountPoint: string;
  options: string;
  /** Optional fields such as shared:N, master:N: the mount's propagation. */
  propagation: string[];
  fsType: string;
  source: string;
}

// The kernel escapes space, tab, newline and backslash in paths as \ooo octal (proc(5), seq_file mangle).
function unescapeMountPath(raw: string): string {
  return raw.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses the text of /proc/self/mountinfo; pure, so it can be tested on real captures. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parseMountInfoLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

// Fields are space separated and paths are escaped, so a lone "-" always marks the optional fields' end.
function parseMountInfoLine(line: string): MountInfoEntry | undefined {
  const fields = line.trim().split(' ');
  const dash = fields.indexOf('-', 6);
  if (fields.length < 10 || dash < 0 || fields.length < dash + 3) return undefined;
  const [mountId, parentId, device, root, mountPoint, options] = fields;
  return {
    mountId: Number(mountId),
    parentId: Number(parentId),
    device: device ?? '',
    root: unescapeMountPath(root ?? ''),
    mountPoint: unescapeMountPath(mountPoint ?? ''),
    options: options ?? '',
    propagation: fields.slice(6, dash),
    fsType: fields[dash + 1] ?? '',
    source: unescapeMountPath(fields[dash + 2] ?? ''),
  };
}

/** Reads the mount table of this process's mount namespace. */
export async function readMountInfo(file = '/proc/self/mountinfo'): Promise<MountInfoEntry[]> {
  return parseMountInfo(await readFile(file, 'utf8'));
}

/** Every mount point, unescaped, in mount order (a point mounted twice appears twice). */
export async function readMountPoints(): Promise<string[]> {
  return (await readMountInfo()).map((entry) => entry.mountPoint);
}

/** True when PATH is ROOT or inside it (lexically, after resolving "." and ".."). */
export function isAtOrBelow(path: string, root: string): boolean {
  const normalRoot = resolve(root);
  const normalPath = resolve(path);
  return normalPath === normalRoot || normalPath.startsWith(normalRoot === sep ? sep : normalRoot + sep);
}

/** Orders mount points deepest first, the only order in which they can be unmounted; pure. */
export function sortInnermostFirst(points: readonly string[]): string[] {
  const depth = (point: string): number => point.split(sep).filter(Boolean).length;
  return [...new Set(points)].sort((a, b) => depth(b) - depth(a) || b.localeCompare(a));
}

/** Mount points at or below PATH, deepest first: what blocks deleting PATH, in unmount order. */
export async function mountsAtOrBelow(path: string): Promise<string[]> {
  return sortInnermostFirst((await readMountPoints()).filter((point) => isAtOrBelow(point, path)));
}

/** Mount points strictly below PATH, deepest first (PATH itself may be the user's own mount). */
export async function mountsBelow(path: string): Promise<string[]> {
  const root = resolve(path);
  return (await mountsAtOrBelow(root)).filter((point) => point !== root);
}
