/**
 * The paths a build's stages write to, below its work directory. pipeline/work-dir.ts's WorkDir is
 * the one implementation; the layer, cache and medium code take this interface, not the class.
 */
export interface WorkPaths {
  readonly root: string;
  /** A layer's unpacked tree: upper/ (the squashfs content), merged/ and work/ of its overlay. */
  layer(name: string): string;
  /** Where a lower layer of the chain is mounted read-only. */
  lower(name: string): string;
  /** Where a layer stacked above is mounted to look for shadowed changes. */
  above(name: string): string;
  /** The local file that replaces ISOPATH on the new medium. */
  newFile(isoPath: string): string;
  /** The kernel and initrd a layer's build made for the medium itself. */
  liveBoot(layerName: string): string;
  /** Where the offline pool's packages are downloaded and its archive is made. */
  readonly pool: string;
  /**
   * apt's download folder, bound over each layer chroot's /var/cache/apt/archives: a package
   * several layers install (the `installer` target's kernel layers) is downloaded once.
   */
  readonly aptArchives: string;
}
