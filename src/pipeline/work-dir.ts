import { join, resolve } from 'node:path';

/**
 * Every path of a build's work tree, named in one place. The tree holds scratch (removed after
 * each build, never through a mount), the build log and the lock.
 */
export class WorkDir {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** A layer's unpacked tree: upper/ (the squashfs content), merged/ and work/ of its overlay. */
  layer(name: string): string {
    return join(this.root, 'layers', name);
  }

  /** Where a lower layer of the chain is mounted read-only. */
  lower(name: string): string {
    return join(this.root, 'lower', name);
  }

  /** Where a layer stacked above is mounted to look for shadowed changes. */
  above(name: string): string {
    return join(this.root, 'above', name);
  }

  /** The local file that replaces ISOPATH on the new medium. */
  newFile(isoPath: string): string {
    return join(this.root, 'new', isoPath);
  }

  /** The kernel and initrd a layer's build made for the medium itself. */
  liveBoot(layerName: string): string {
    return join(this.root, 'live-boot', layerName);
  }

  /** Where the offline pool's packages are downloaded and its archive is made. */
  get pool(): string {
    return join(this.root, 'pool');
  }

  /** apt's download folder, shared by the chroots of every layer of the build (ChrootSession). */
  get aptArchives(): string {
    return join(this.root, 'apt-archives');
  }

  get log(): string {
    return join(this.root, 'build.log');
  }

  /** The last build's report data, for `isoforge report WORKDIR`. */
  get report(): string {
    return join(this.root, 'report.json');
  }

  get bootLogs(): string {
    return join(this.root, 'boot-logs');
  }

  /** What a build leaves behind to remove: the unpacked layers and new files, not the log or lock. */
  get scratch(): string[] {
    return ['layers', 'lower', 'above', 'new', 'live-boot', 'pool'].map((name) => join(this.root, name));
  }
}
