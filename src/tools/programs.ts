/**
 * Every external program isoforge runs, with the Debian package that provides it and the
 * oldest version known to work. `isoforge doctor` checks this list; exec.ts names the package
 * when a program is missing.
 */
export interface ProgramSpec {
  name: string;
  aptPackage: string;
  /** Arguments that make the program print its version. */
  versionArgs: string[];
  /** Pulls "x.y.z" out of what versionArgs prints. */
  versionPattern: RegExp;
  minVersion?: string;
  purpose: string;
  /** Needed only by some commands: a missing optional program is a warning in doctor. */
  optional?: boolean;
}

export const PROGRAMS: readonly ProgramSpec[] = [
  {
    name: 'xorriso',
    aptPackage: 'xorriso',
    versionArgs: ['-version'],
    versionPattern: /xorriso (\d+\.\d+\.\d+)/,
    // 1.4.x misreports appended partitions in -report_system_area.
    minVersion: '1.5.0',
    purpose: 'write and check ISO images',
  },
  {
    name: 'mksquashfs',
    aptPackage: 'squashfs-tools',
    versionArgs: ['-version'],
    versionPattern: /mksquashfs version (\d+\.\d+(?:\.\d+)?)/,
    minVersion: '4.4',
    purpose: 'pack squashfs layers',
  },
  {
    name: 'unsquashfs',
    aptPackage: 'squashfs-tools',
    versionArgs: ['-version'],
    versionPattern: /unsquashfs version (\d+\.\d+(?:\.\d+)?)/,
    minVersion: '4.4',
    purpose: 'unpack squashfs layers',
  },
  {
    name: 'getfattr',
    aptPackage: 'attr',
    versionArgs: ['--version'],
    versionPattern: /getfattr (\d+\.\d+\.\d+)/,
    purpose: "tell overlay-opaque directories in an upper layer from the session's copy-ups",
  },
  {
    name: 'gpg',
    aptPackage: 'gnupg',
    versionArgs: ['--version'],
    versionPattern: /gpg \(GnuPG\) (\d+\.\d+\.\d+)/,
    minVersion: '2.2.0',
    purpose: 'sign squashfs layers',
  },
  {
    name: 'mcopy',
    aptPackage: 'mtools',
    versionArgs: ['--version'],
    versionPattern: /mcopy \(GNU mtools\) (\d+\.\d+(?:\.\d+)?)/,
    minVersion: '4.0',
    purpose: 'read and write FAT EFI images',
  },
  {
    name: 'mkfs.vfat',
    aptPackage: 'dosfstools',
    versionArgs: ['--help'],
    versionPattern: /mkfs\.fat (\d+\.\d+(?:\.\d+)?)/,
    purpose: 'make FAT EFI images for the sample',
  },
  {
    name: 'grub-script-check',
    aptPackage: 'grub-common',
    versionArgs: ['--version'],
    versionPattern: /grub-script-check \(GRUB\) (\d+\.\d+)/,
    purpose: 'check edited GRUB menus',
  },
  {
    name: 'sfdisk',
    aptPackage: 'fdisk',
    versionArgs: ['--version'],
    versionPattern: /sfdisk from util-linux (\d+\.\d+(?:\.\d+)?)/,
    purpose: 'partition the disk image of boot-test --media loopback',
    optional: true,
  },
  {
    name: 'xfs_io',
    aptPackage: 'xfsprogs',
    versionArgs: ['-V'],
    versionPattern: /xfs_io version (\d+\.\d+\.\d+)/,
    purpose: "copy a layer's unchanged data in the kernel (copy_range); without it, through buffers",
    optional: true,
  },
  {
    name: 'fallocate',
    aptPackage: 'util-linux',
    versionArgs: ['--version'],
    versionPattern: /util-linux (\d+\.\d+(?:\.\d+)?)/,
    purpose: 'put a new layer in its place in the ISO without copying it (--insert-range)',
    optional: true,
  },
  {
    name: 'debootstrap',
    aptPackage: 'debootstrap',
    versionArgs: ['--version'],
    versionPattern: /debootstrap (\d+\.\d+\.\d+)/,
    purpose: 'build the sample root filesystem',
  },
  {
    name: 'qemu-system-x86_64',
    aptPackage: 'qemu-system-x86',
    versionArgs: ['--version'],
    versionPattern: /version (\d+\.\d+\.\d+)/,
    minVersion: '7.0.0',
    purpose: 'boot-test ISOs',
    optional: true,
  },
  {
    name: 'zstd',
    aptPackage: 'zstd',
    versionArgs: ['--version'],
    versionPattern: /v(\d+\.\d+\.\d+)/,
    purpose: "read a swapped kernel's initrd (zstd, gzip or xz)",
    optional: true,
  },
  {
    name: 'apt-ftparchive',
    aptPackage: 'apt-utils',
    versionArgs: ['--version'],
    versionPattern: /apt (\d+\.\d+\.\d+)/,
    purpose: 'index and sign an offline package pool (iso.pool)',
    optional: true,
  },
  {
    name: 'mount',
    aptPackage: 'mount',
    versionArgs: ['--version'],
    versionPattern: /util-linux (\d+\.\d+(?:\.\d+)?)/,
    purpose: 'mount layers and chroot file systems',
  },
  {
    name: 'chroot',
    aptPackage: 'coreutils',
    versionArgs: ['--version'],
    versionPattern: /(\d+\.\d+)/,
    purpose: "install the sample's packages",
  },
  {
    name: 'bwrap',
    aptPackage: 'bubblewrap',
    versionArgs: ['--version'],
    versionPattern: /bubblewrap (\d+\.\d+\.\d+)/,
    // --unshare-cgroup-try, --die-with-parent and --cap-add/--cap-drop as root.
    minVersion: '0.4.0',
    purpose: 'run each recipe step in a sandbox of its own',
  },
];

/** Data files that are not programs but must be present: firmware for boot tests. */
/** Programs isoforge runs on a work dir: the ones an adapter names, plus the coreutils it calls. */
export const WORKER_PROGRAMS: readonly string[] = [
  ...PROGRAMS.map((program) => program.name),
  ...['chroot', 'du', 'dpkg-query', 'cpio'],
];

export const DATA_FILES: readonly { path: string; aptPackage: string; purpose: string }[] = [
  { path: '/usr/share/OVMF/OVMF_CODE_4M.fd', aptPackage: 'ovmf', purpose: 'UEFI firmware for boot-test' },
  {
    path: '/usr/share/OVMF/OVMF_CODE_4M.ms.fd',
    aptPackage: 'ovmf',
    purpose: 'UEFI Secure Boot firmware for boot-test',
  },
  { path: '/usr/share/seabios/bios-256k.bin', aptPackage: 'seabios', purpose: 'BIOS firmware for boot-test' },
];

/** Programs only rootless mode runs (requirements.ts checks them there), by the package that has them. */
const ROOTLESS_PROGRAMS: Readonly<Record<string, string>> = {
  squashfuse_ll: 'squashfuse',
  newuidmap: 'uidmap',
};

export function aptPackageOf(program: string): string {
  return PROGRAMS.find((spec) => spec.name === program)?.aptPackage ?? ROOTLESS_PROGRAMS[program] ?? program;
}

/** Compares dotted versions numerically: "1.5.4" >= "1.5.0". */
export function versionAtLeast(found: string, minimum: string): boolean {
  const a = found.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return true;
}
