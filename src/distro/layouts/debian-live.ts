import { kernelInFolder, layerBase, type MediumLayout, squashfsLayerName } from './layout.ts';

const isLiveKernel = (fileName: string): boolean => /^vmlinu[xz]/.test(fileName);

/**
 * Debian live media made by live-build: /live/filesystem.squashfs with filesystem.packages and
 * filesystem.size, vmlinuz-VERSION and initrd.img-VERSION beside it. live-boot mounts each
 * squashfs on its own, so a layer stacks on nothing and nothing shadows it.
 */
export const debianLiveLayout: MediumLayout = {
  name: 'live',
  squashfsDir: '/live',
  installSourcesFile: null,
  layerName: squashfsLayerName,
  packagesSidecar: (path) => `${layerBase(path)}.packages`,
  sizeSidecar: (path) => `${layerBase(path)}.size`,
  signatureSidecar: (path) => `${path}.gpg`,
  layerChain: (name) => [name],
  layerChains: (names) => names.map((name) => [name]),
  shadowingLayers: () => [],
  // With several images live-boot stacks them all; only a single one is surely what boots.
  bootsLayer: (_name, names) => names.length === 1,
  isKernel: isLiveKernel,
  isLiveKernelPath: kernelInFolder('/live', isLiveKernel),
  isInitrd: (fileName) => /^initrd/.test(fileName),
  // live-boot finds its medium by content, with no UUID to match.
  mediumUuid: null,
  initrdBootScripts: 'usr/share/initramfs-tools/scripts/live',
  autoinstaller: null,
};
