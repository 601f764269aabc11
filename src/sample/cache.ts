import { access, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runAptDownload, runAptFirstDependency } from '../tools/debian.ts';
import { removeTree } from '../safety/remove.ts';
import { runDebootstrapMakeTarball } from '../tools/debootstrap.ts';

/**
 * Where isoforge keeps downloads, finished samples and (in layers/) finished layers between runs:
 * ISOFORGE_CACHE_DIR, else the XDG cache's isoforge/. The one place the cache folder is decided.
 */
export function cacheDir(
  env: { ISOFORGE_CACHE_DIR?: string; XDG_CACHE_HOME?: string } = process.env,
): string {
  return env.ISOFORGE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'isoforge');
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Downloads PACKAGES once into the cache and returns name -> .deb path. A meta package such
 * as linux-image-amd64 is resolved to the concrete package it depends on.
 */
export async function ensureDebs(
  packages: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const dir = join(cacheDir(), 'debs');
  await mkdir(dir, { recursive: true });
  const found = new Map<string, string>();
  for (const name of packages) {
    const concrete = name === 'linux-image-amd64' ? await runAptFirstDependency(name, signal) : name;
    let deb = await findDeb(dir, concrete);
    if (!deb) {
      await runAptDownload([concrete], dir, signal);
      deb = await findDeb(dir, concrete);
    }
    if (!deb) throw new Error(`apt-get download ${concrete} left no .deb in ${dir}`);
    found.set(name, deb);
  }
  return found;
}

async function findDeb(dir: string, pkg: string): Promise<string | undefined> {
  const match = (await readdir(dir)).find((file) => file.startsWith(`${pkg}_`) && file.endsWith('.deb'));
  return match ? join(dir, match) : undefined;
}

/**
 * The .debs of a minbase debootstrap of SUITE, downloaded once into a cached tarball, so a rebuild
 * of the base layer needs no network (debootstrap --unpack-tarball).
 */
export async function ensureDebootstrapTarball(options: {
  suite: string;
  mirror: string;
  workDir: string;
  signal?: AbortSignal;
}): Promise<string> {
  const tarball = join(cacheDir(), `debootstrap-${options.suite}-minbase.tgz`);
  if (await exists(tarball)) return tarball;
  const partial = `${tarball}.partial-${process.pid}`;
  const target = join(options.workDir, 'debootstrap-download');
  await mkdir(target, { recursive: true });
  await runDebootstrapMakeTarball({ ...options, target, tarball: partial });
  await rename(partial, tarball);
  return tarball;
}

// Other checkouts (branches, CI jobs) may share the cache and use other keys right now: an entry is
// only removed once nothing used it for a day (a cache hit renews its time, see markUsed).
const UNUSED_FOR_MS = 24 * 60 * 60 * 1000;
const SAMPLE_ENTRY = /^(?:sample-(?:v\d+|[0-9a-f]{12})(?:-secureboot)?\.iso|layers-(?:v\d+|[0-9a-f]{12}))$/;

/**
 * Removes cached samples and layer folders of other keys (and of the old numbered format) that
 * nothing used for a day; KEEP names the entries in use. Returns what it removed.
 */
export async function pruneUnusedSamples(keep: readonly string[], now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(cacheDir(), { withFileTypes: true })) {
    if (!SAMPLE_ENTRY.test(entry.name) || keep.includes(entry.name)) continue;
    const path = join(cacheDir(), entry.name);
    const info = await stat(path).catch(() => undefined);
    if (!info || now - info.mtimeMs < UNUSED_FOR_MS) continue;
    if (entry.isDirectory()) await removeTree(path, { within: cacheDir() });
    else await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}

/** Renews PATH's modification time: the cache entry is in use, so pruning keeps it. */
export async function markUsed(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}
