import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { IsoImage } from '../../iso/image.ts';

/**
 * The apt archive a medium already carries (Ubuntu's dists/jammy with its Release): the suite the
 * installer's `deb file:/cdrom SUITE main` names, and its index files, so the pool adds to them.
 */

/**
 * The suite of the medium's archive: the one real (not symlinked) dists/NAME folder with a
 * Release file. Ubuntu's dists/stable and dists/unstable are symlinks to it.
 */
export async function readMediumSuite(image: IsoImage): Promise<string | null> {
  const dists = await image.stat('/dists');
  if (!dists?.isDirectory) return null;
  const suites: string[] = [];
  for (const entry of await image.list('/dists')) {
    if (!entry.isDirectory || entry.isSymlink) continue;
    const release = await image.stat(`${entry.path}/Release`);
    if (release && !release.isDirectory) suites.push(entry.name);
  }
  return suites.sort()[0] ?? null;
}

/**
 * Copies the files of the medium's dists/SUITE (Release, Packages*, per-component Release files)
 * into DIR/dists/SUITE: index files are small, and Release must hash the ones the pool leaves alone.
 * Returns the ISO paths copied.
 */
export async function copyMediumDists(image: IsoImage, suite: string, dir: string): Promise<string[]> {
  const copied: string[] = [];
  const base = `/dists/${suite}`;
  if (!(await image.stat(base))?.isDirectory) return copied;
  for (const entry of await image.walk(base)) {
    if (entry.isDirectory || entry.isSymlink) continue;
    const local = join(dir, entry.path);
    await mkdir(dirname(local), { recursive: true });
    await writeFile(local, await image.readFile(entry.path));
    copied.push(entry.path);
  }
  return copied;
}
