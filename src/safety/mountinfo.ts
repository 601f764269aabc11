import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

/** One line of /proc/self/mountinfo, the fields isoforge needs. */
export interface MountInfoEntry {
  mountId: number;
  parentId: number;
  mountPoint: string;
  fsType: string;
  source: string;
}

// The kernel escapes space, tab, newline and backslash in paths as \ooo octal (proc(5)).
function unescapeMountPath(raw: string): string {
  return raw.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses the text of /proc/self/mountinfo; pure, so it can be tested on real captures. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    const fields = left?.split(' ') ?? [];
    const tail = right?.split(' ') ?? [];
    if (fields.length < 5 || tail.length < 2) continue;
    entries.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      mountPoint: unescapeMountPath(fields[4] ?? ''),
      fsType: tail[0] ?? '',
      source: unescapeMountPath(tail[1] ?? ''),
    });
  }
  return entries;
}

export async function readMountInfo(): Promise<MountInfoEntry[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

export async function readMountPoints(): Promise<string[]> {
  return (await readMountInfo()).map((entry) => entry.mountPoint);
}

export function isAtOrBelow(path: string, root: string): boolean {
  const normalRoot = resolve(root);
  const normalPath = resolve(path);
  return normalPath === normalRoot || normalPath.startsWith(normalRoot === sep ? sep : normalRoot + sep);
}

/** Mount points at or below PATH, deepest first: the order in which they must be unmounted. */
export async function mountsAtOrBelow(path: string): Promise<string[]> {
  const points = (await readMountPoints()).filter((point) => isAtOrBelow(point, path));
  return [...new Set(points)].sort((a, b) => b.split(sep).length - a.split(sep).length || b.localeCompare(a));
}
