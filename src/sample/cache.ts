import { access, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runAptDownload, runAptFirstDependency } from '../tools/debian.ts';

/** Where isoforge keeps downloads and finished samples between runs (XDG cache). */
export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'isoforge');
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
  const { readdir } = await import('node:fs/promises');
  const match = (await readdir(dir)).find((file) => file.startsWith(`${pkg}_`) && file.endsWith('.deb'));
  return match ? join(dir, match) : undefined;
}
