import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandFailedError, RecipeError } from '../../errors.ts';
import { MountStack } from '../../rootfs/mounts.ts';
import type { LayerExtent } from '../../rootfs/overlay.ts';
import { SandboxSession } from '../../rootfs/session.ts';
import { resolveInsideRoot } from '../../safety/confine.ts';
import { type ChainSystem, mountChainRoot, readChainSystem } from './chain.ts';

export interface PoolChainOptions {
  /** The install source's layer chain, bottom first (Debian live: its one layer). */
  chain: readonly LayerExtent[];
  /** An empty folder of the caller's: mounts, apt's lists and the downloaded .debs go below it. */
  workDir: string;
  signal?: AbortSignal;
}

export interface PoolDownload extends ChainSystem {
  /** The downloaded .deb files, in WORKDIR/debs. */
  debs: string[];
}

/** Where apt puts the downloads inside the chroot: in the throw-away upper dir, never in a layer. */
const ARCHIVES_IN_CHROOT = '/var/cache/isoforge-pool';

/**
 * Resolves NAMES with their dependencies from the install source's own apt sources and downloads
 * the .debs its installed system lacks: `apt-get update` and `apt-get install --download-only` in a
 * chroot of the merged chain. Recommends are left out, as the pool is for offline installs of NAMES.
 * Every mount is undone however it ends.
 */
export async function downloadPoolPackages(
  options: PoolChainOptions & { names: readonly string[] },
): Promise<PoolDownload> {
  const { workDir, signal } = options;
  const outDir = join(workDir, 'debs');
  await mkdir(outDir, { recursive: true });
  await using mounts = await MountStack.open(workDir);
  const root = await mountChainRoot(mounts, options.chain, join(workDir, 'chain'));
  const system = await readChainSystem(root, signal);
  const archives = await resolveInsideRoot(root, ARCHIVES_IN_CHROOT);
  await mkdir(join(archives, 'partial'), { recursive: true });
  {
    await using session = await SandboxSession.open(root, workDir);
    await session.run(['apt-get', 'update'], { signal });
    await session
      .run(aptDownloadArgv(options.names), { signal })
      .catch((error: unknown) => rethrowUnknownPackage(error));
  }
  const debs: string[] = [];
  for (const name of (await readdir(archives)).filter((file) => file.endsWith('.deb')).sort()) {
    await copyFile(join(archives, name), join(outDir, name));
    debs.push(join(outDir, name));
  }
  return { ...system, debs };
}

/** The codename and architecture of the install source, for a pool of local .debs only (nothing downloaded). */
export async function readPoolSystem(options: PoolChainOptions): Promise<ChainSystem> {
  await using mounts = await MountStack.open(options.workDir);
  const root = await mountChainRoot(mounts, options.chain, join(options.workDir, 'chain'));
  // Awaited here: `await using` unmounts the chain when the function returns, not when the promise settles.
  return await readChainSystem(root, options.signal);
}

/** apt-get's download of NAMES and the dependencies the chroot lacks, into the pool's archive folder. */
export function aptDownloadArgv(names: readonly string[]): string[] {
  return [
    'apt-get',
    'install',
    '--download-only',
    '--yes',
    '--no-install-recommends',
    '-o',
    `Dir::Cache::archives=${ARCHIVES_IN_CHROOT}/`,
    ...names,
  ];
}

function rethrowUnknownPackage(error: unknown): never {
  const missing =
    error instanceof CommandFailedError
      ? /Unable to locate package (\S+)/.exec(error.stderrTail)?.[1]
      : undefined;
  if (!missing) throw error;
  throw new RecipeError(
    `iso.pool.packages: package '${missing}' is not in the install source's apt sources`,
    {
      cause: error,
      hint: 'check the name (apt-cache policy NAME in the image), or add the .deb to iso.pool.debs',
    },
  );
}
