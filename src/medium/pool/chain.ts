import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '../../errors.ts';
import type { MountStack } from '../../rootfs/mounts.ts';
import { type LayerExtent, mountLayerChain, overlayMount } from '../../rootfs/overlay.ts';
import { resolveInsideRoot } from '../../safety/confine.ts';
import { runInChroot } from '../../tools/coreutils.ts';

/**
 * An install source's merged layer chain as a root apt can run in: every layer mounted read-only
 * straight from its file, a throw-away upper dir on top (apt's lists and cache land there, never
 * in a layer). Nothing is unpacked.
 */
export async function mountChainRoot(
  mounts: MountStack,
  chain: readonly LayerExtent[],
  dir: string,
): Promise<string> {
  if (!chain.length) throw new Error('mountChainRoot needs at least one layer');
  const lowerDirs = await mountLayerChain(mounts, chain, (layer, index) =>
    join(dir, 'lower', `${index}-${layer.name}`),
  );
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const root = join(dir, 'root');
  await Promise.all([upper, work, root].map((path) => mkdir(path, { recursive: true })));
  await mounts.mount(overlayMount(root, lowerDirs, { upper, work }));
  return root;
}

/** What the pool needs to know of the system it serves. */
export interface ChainSystem {
  /** VERSION_CODENAME of /etc/os-release (bookworm, jammy), or null when it names none. */
  codename: string | null;
  /** dpkg's architecture (amd64): the binary-ARCH index the pool's packages go into. */
  architecture: string;
}

/** The codename and dpkg architecture of the system at ROOT (a mounted chain). */
export async function readChainSystem(root: string, signal?: AbortSignal): Promise<ChainSystem> {
  const osRelease = await readFile(await resolveInsideRoot(root, '/etc/os-release'), 'utf8').catch(() => '');
  const codename = /^VERSION_CODENAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1]?.trim() || null;
  const architecture = (await runInChroot(root, ['dpkg', '--print-architecture'], { signal })).trim();
  if (!/^[a-z0-9-]+$/.test(architecture))
    throw new FormatError(`dpkg in the install source printed no architecture: '${architecture}'`);
  return { codename, architecture };
}
