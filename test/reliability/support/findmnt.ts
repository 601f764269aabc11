import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { runCommand } from '../../../src/tools/exec.ts';

/**
 * The mount table as util-linux findmnt(8) reads it, not as isoforge's own mountinfo parser
 * (src/safety/mountinfo.ts) does: the reliability figures count leaks with a reference that shares
 * no code with the program under test.
 */

/**
 * Every mount at or below PATH, in findmnt's order: one entry per mount, so a point mounted twice
 * (stacked) appears twice. This is what a leak count counts.
 */
export async function findmntAtOrBelow(path: string): Promise<string[]> {
  // Mount points are real paths; a work dir that no longer exists is compared as written.
  const root = await realpath(path).catch(() => resolve(path));
  const { stdout } = await runCommand(['findmnt', '--raw', '--noheadings', '--output', 'TARGET']);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map(unescapeRaw)
    .filter((target) => target === root || target.startsWith(root === sep ? sep : root + sep));
}

/**
 * The mount points at or below PATH, each once, deepest first (then reverse name order): the order
 * in which they can be unmounted, and in which isoforge names the leftovers it undid.
 */
export async function findmntPointsAtOrBelow(path: string): Promise<string[]> {
  const depth = (point: string): number => point.split(sep).filter(Boolean).length;
  return [...new Set(await findmntAtOrBelow(path))].sort((a, b) => depth(b) - depth(a) || b.localeCompare(a));
}

/** findmnt --raw writes every byte of an unsafe character (space, backslash, non-ASCII...) as \xHH. */
export function unescapeRaw(field: string): string {
  const parts = field.split(/(\\x[0-9a-fA-F]{2})/);
  const bytes = parts.map((part) =>
    /^\\x[0-9a-fA-F]{2}$/.test(part) ? Buffer.from([parseInt(part.slice(2), 16)]) : Buffer.from(part, 'utf8'),
  );
  return Buffer.concat(bytes).toString('utf8');
}
