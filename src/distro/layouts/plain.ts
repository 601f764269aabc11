import type { MediumLayout } from './layout.ts';

/**
 * A bootable medium with no live layers (Debian's netinst, a rescue or network-boot ISO): a recipe
 * may still edit the medium itself (files, menus, kernel arguments, volume id). Every kernel a menu
 * entry loads counts as the system it boots.
 */
export const plainLayout: MediumLayout = {
  name: 'plain',
  squashfsDir: '',
  installSourcesFile: null,
  layerName: () => null,
  packagesSidecar: (path) => path,
  sizeSidecar: (path) => path,
  signatureSidecar: (path) => `${path}.gpg`,
  layerChain: (name) => [name],
  layerChains: () => [],
  shadowingLayers: () => [],
  bootsLayer: () => false,
  isKernel: () => false,
  isInitrd: () => false,
  isLiveKernelPath: () => true,
  mediumUuid: null,
  initrdBootScripts: null,
  autoinstaller: null,
};
