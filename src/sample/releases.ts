import { NEEDED_MODULES } from './initrd.ts';
import type { SampleFlavour } from './kernels.ts';
import type { SampleLayerSpec } from './layers.ts';

/**
 * The Ubuntu Server live media the sample can take the shape of, as livecd-rootfs builds them
 * (live-build/auto/config, ubuntu-server/hooks; read in the lubuntu-team/livecd-rootfs copy):
 * - 22.04 (branch ubuntu/jammy) and 24.04 (ubuntu/noble): one layer per kernel flavour over the
 *   installer layer (`...installer.generic`, `...installer.generic-hwe`), each with its own
 *   default-layer.conf (hook 03-kernel-metapkg.chroot_early);
 * - 26.04 (ubuntu/master, as of February 2025): the GA kernel in `ubuntu-server-minimal`, one
 *   flavour, the `...installer.generic` pass kept but empty once hook 04-kernel-bits.binary took
 *   its kernel and initrd, and default-layer.conf written in the installer layer
 *   (hook 02-installer-bits.chroot_early), so the initrd boots the chain that ends there.
 */
export type SampleReleaseId = '22.04' | '24.04' | '26.04';

export interface SampleRelease {
  id: SampleReleaseId;
  volumeId: string;
  diskInfo: string;
  codename: string;
  flavours: readonly SampleFlavour[];
  /** Where the kernels are installed: a layer per flavour, or the minimal layer. */
  kernels: 'flavour-layers' | 'minimal-layer';
}

export const SAMPLE_RELEASES: Readonly<Record<SampleReleaseId, SampleRelease>> = {
  '22.04': {
    id: '22.04',
    volumeId: 'Ubuntu-Server 22.04.5 LTS amd64',
    diskInfo: 'Ubuntu-Server 22.04.5 LTS "Jammy Jellyfish" - Release amd64 (20240911)',
    codename: 'jammy',
    flavours: ['generic', 'generic-hwe'],
    kernels: 'flavour-layers',
  },
  '24.04': {
    id: '24.04',
    volumeId: 'Ubuntu-Server 24.04.3 LTS amd64',
    diskInfo: 'Ubuntu-Server 24.04.3 LTS "Noble Numbat" - Release amd64 (20250805)',
    codename: 'noble',
    flavours: ['generic', 'generic-hwe'],
    kernels: 'flavour-layers',
  },
  '26.04': {
    id: '26.04',
    volumeId: 'Ubuntu-Server 26.04 LTS amd64',
    diskInfo: 'Ubuntu-Server 26.04 LTS "Resolute Raccoon" - Release amd64 (20260423)',
    codename: 'resolute',
    flavours: ['generic'],
    kernels: 'minimal-layer',
  },
};

export const SAMPLE_RELEASE_IDS = Object.keys(SAMPLE_RELEASES) as SampleReleaseId[];

export const MINIMAL = 'ubuntu-server-minimal';
export const INSTALLER = 'ubuntu-server-minimal.ubuntu-server.installer';

// What a kernel installed by dpkg needs beyond minbase (apt-get -s over the base layer's status),
// as the layer holding Ubuntu's kernel carries it: kmod, udev and initramfs-tools.
const KERNEL_DEPENDENCIES = [
  'cpio',
  'libssl3',
  'libkmod2',
  'kmod',
  'udev',
  'libklibc',
  'klibc-utils',
  'initramfs-tools-core',
  'linux-base',
  'initramfs-tools',
];

/** The layer whose name each flavour's initrd carries in its default-layer.conf. */
export function defaultLayerOf(release: SampleRelease, flavour: SampleFlavour): string {
  return release.kernels === 'flavour-layers' ? `${INSTALLER}.${flavour}` : INSTALLER;
}

/** The release's layers, bottom first (22.04.5's are the seed guide's five, section 2.2.2). */
export function sampleLayers(release: SampleRelease): SampleLayerSpec[] {
  const inMinimal = release.kernels === 'minimal-layer';
  return [
    {
      name: MINIMAL,
      debs: inMinimal ? KERNEL_DEPENDENCIES : [],
      remove: [],
      release: true,
      ...(inMinimal ? { kernel: { flavour: release.flavours[0] ?? 'generic', defaultLayer: false } } : {}),
    },
    {
      name: `${MINIMAL}.ubuntu-server`,
      debs: ['less', 'netbase'],
      remove: ['/etc/motd'],
      release: true,
    },
    // The installer layers keep the release file of the install source below them, so a recipe
    // that changes the install source's top layer shows its change in the booted (installer)
    // system. The installer layer carries what casper ships for initramfs-tools (and
    // busybox-static for the sample's checks), so a kernel a recipe installs gets an initrd that
    // boots the medium.
    {
      name: INSTALLER,
      debs: ['bzip2', 'busybox-static', ...(inMinimal ? [] : KERNEL_DEPENDENCIES)],
      remove: ['/etc/issue.net'],
      release: false,
      liveBoot: { modules: NEEDED_MODULES, ...(inMinimal ? { defaultLayer: INSTALLER } : {}) },
    },
    ...release.flavours.map((flavour) => ({
      name: `${INSTALLER}.${flavour}`,
      debs: [],
      remove: [],
      release: false,
      ...(inMinimal ? {} : { kernel: { flavour, defaultLayer: true } }),
    })),
  ];
}
