import { feedsInstaller, layerChain, layerChains, shadowingLayers, topLayers } from '../layers.ts';
import { kernelInFolder, layerBase, type MediumLayout, squashfsLayerName } from './layout.ts';

const isCasperKernel = (fileName: string): boolean => /^(hwe-)?vmlinu[xz]/.test(fileName);

/**
 * Ubuntu's casper media: layered squashfs in /casper ("A.B.C" stacks on "A.B" and "A"),
 * NAME.manifest and NAME.size sidecars, casper/install-sources.yaml, casper/vmlinuz booting the
 * top of the installer chain.
 */
export const casperLayout: MediumLayout = {
  name: 'casper',
  squashfsDir: '/casper',
  installSourcesFile: '/casper/install-sources.yaml',
  layerName: squashfsLayerName,
  packagesSidecar: (path) => `${layerBase(path)}.manifest`,
  sizeSidecar: (path) => `${layerBase(path)}.size`,
  signatureSidecar: (path) => `${path}.gpg`,
  layerChain,
  layerChains,
  shadowingLayers,
  bootsLayer: (name, names) => topLayers(names).includes(name) && feedsInstaller(name, names),
  isKernel: isCasperKernel,
  isLiveKernelPath: kernelInFolder('/casper', isCasperKernel),
  isInitrd: (fileName) => /^(hwe-)?initrd/.test(fileName),
  // casper's matches_uuid refuses a medium unless one .disk/casper-uuid* file holds the initrd's UUID.
  mediumUuid: {
    initrdPath: 'conf/uuid.conf',
    isMediumFile: (isoPath) => /^\/\.disk\/casper-uuid[^/]*$/.test(isoPath),
    // Ubuntu names it after the kernel flavour (casper-uuid-generic); a remastered kernel has none.
    newMediumFile: '/.disk/casper-uuid-custom',
  },
  initrdBootScripts: 'usr/share/initramfs-tools/scripts/casper',
  autoinstaller: 'subiquity',
};
