/**
 * What differs between live media families (Ubuntu's casper, Debian's live-boot, later others):
 * one implementation per family owns every such difference, so a stage never asks which it has.
 */
export interface MediumLayout {
  /** The `layout` field of `inspect --json`. */
  readonly name: 'casper' | 'live' | 'plain';
  /** The folder on the medium that holds the squashfs layers, kernels and sidecars. */
  readonly squashfsDir: string;
  /** The file that lists install sources with their sizes (casper), or null. */
  readonly installSourcesFile: string | null;
  /** The layer name of FILENAME (a file in squashfsDir), or null when it is not a layer. */
  layerName(fileName: string): string | null;
  /** The sidecar that lists a layer's packages, `dpkg-query -W` style. */
  packagesSidecar(squashfsPath: string): string;
  /** The sidecar that holds a layer's unpacked size in bytes. */
  sizeSidecar(squashfsPath: string): string;
  /** The detached gpg signature of a layer (casper checks it when the medium is signed). */
  signatureSidecar(squashfsPath: string): string;
  /** The layers NAME stacks on, bottom first, NAME last. */
  layerChain(name: string, names: readonly string[]): string[];
  /** Every maximal chain of layers, bottom first. */
  layerChains(names: readonly string[]): string[][];
  /**
   * Layers whose content hides a change to NAME from the system that uses it; INSTALLCHAINS are
   * the install sources' chains (casper), empty elsewhere.
   */
  shadowingLayers(
    name: string,
    names: readonly string[],
    installChains: readonly (readonly string[])[],
  ): string[];
  /** Whether the medium's own kernel and initrd boot a system that has NAME on top. */
  bootsLayer(name: string, names: readonly string[]): boolean;
  /** Whether FILENAME (in squashfsDir) is a kernel / an initrd the boot menus load. */
  isKernel(fileName: string): boolean;
  isInitrd(fileName: string): boolean;
  /** Whether a menu entry that loads ISOPATH boots the live system (the entries cmdline edits touch). */
  isLiveKernelPath(isoPath: string): boolean;
  /** How the medium and its initrd agree on a UUID (casper), or null when the family has none. */
  readonly mediumUuid: MediumUuid | null;
  /**
   * The initramfs-tools scripts (a path in a root file system) that make an initrd boot this medium:
   * an initrd built without them cannot. Null when the medium boots no live system of its own.
   */
  readonly initrdBootScripts: string | null;
  /** The installer whose automatic-install seed the medium's live system reads (subiquity), or null. */
  readonly autoinstaller: 'subiquity' | null;
}

/** casper's matches_uuid: the initrd boots only a medium whose UUID file holds its own UUID. */
export interface MediumUuid {
  /** The file in the initrd that holds the UUID (conf/uuid.conf). */
  initrdPath: string;
  /** Whether ISOPATH is a file on the medium that must hold it (.disk/casper-uuid-*). */
  isMediumFile(isoPath: string): boolean;
  /** The file to write when the medium has none. */
  newMediumFile: string;
}

/** Folder path without a trailing slash, file NAME.squashfs -> NAME. */
export function layerBase(squashfsPath: string): string {
  return squashfsPath.replace(/\.squashfs$/, '');
}

/** NAME.squashfs -> NAME, anything else -> null: the rule of casper and Debian live. */
export function squashfsLayerName(fileName: string): string | null {
  return fileName.endsWith('.squashfs') ? fileName.slice(0, -'.squashfs'.length) : null;
}

/** ISOPATH is a kernel (by ISKERNEL) in DIR: how casper and Debian live menus load the live system. */
export function kernelInFolder(dir: string, isKernel: (fileName: string) => boolean) {
  return (isoPath: string): boolean => {
    const slash = isoPath.lastIndexOf('/');
    return isoPath.slice(0, slash).toLowerCase() === dir && isKernel(isoPath.slice(slash + 1));
  };
}
