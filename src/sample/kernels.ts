import { runAptFirstDependency, runAptVersions } from '../tools/debian.ts';

/**
 * Ubuntu 22.04.5 boots two kernel flavours, each from a layer of its own (livecd-rootfs, jammy:
 * live-build/auto/config adds `linux-generic` to `...installer.generic` and
 * `linux-generic-hwe-22.04` to `...installer.generic-hwe`). The sample's stand-ins are two
 * releases of Debian's kernel: the oldest and the newest that Debian's linux-image-amd64 offers.
 */
export type SampleFlavour = 'generic' | 'generic-hwe';

export const SAMPLE_FLAVOURS: readonly SampleFlavour[] = ['generic', 'generic-hwe'];

/** The key of a flavour's kernel .deb in the sample's package map. */
export const kernelDebKey = (flavour: SampleFlavour) => `kernel:${flavour}`;

/** The concrete kernel packages (linux-image-ABI-amd64) that stand in for each flavour. */
export async function resolveSampleKernels(signal?: AbortSignal): Promise<Record<SampleFlavour, string>> {
  const versions = await runAptVersions('linux-image-amd64', signal);
  const [oldest, newest] = [versions[0], versions.at(-1)];
  if (!oldest || !newest || oldest === newest) {
    throw new Error(
      `the sample needs two releases of linux-image-amd64 in the apt sources (bookworm and bookworm-security), found: ${versions.join(', ') || 'none'}`,
    );
  }
  return {
    generic: await runAptFirstDependency(`linux-image-amd64=${oldest}`, signal),
    'generic-hwe': await runAptFirstDependency(`linux-image-amd64=${newest}`, signal),
  };
}
