/**
 * Every ISO 9660 image shipped in a Debian 12 package that scripts/setup.sh installs: real images
 * made by other people's tools, the reference inputs for the ISO parsers and `inspect`.
 */
export interface PackagedIso {
  path: string;
  /** The Debian package that ships it. */
  debianPackage: string;
  /** The boot setup as xorriso reports it, for the README and test names. */
  boot: string;
}

export const PACKAGED_ISOS: readonly PackagedIso[] = [
  {
    path: '/usr/lib/ipxe/ipxe.iso',
    debianPackage: 'ipxe',
    boot: 'isohybrid MBR (isolinux), BIOS isolinux.bin + UEFI efi.img inside the ISO',
  },
  {
    path: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso',
    debianPackage: 'grub-rescue-pc',
    boot: 'GRUB2 MBR with a protective msdos label, BIOS eltorito.img with GRUB2 boot info',
  },
  {
    path: '/usr/lib/memtest86+/memtest86+x64.iso',
    debianPackage: 'memtest86+',
    boot: 'GRUB2-patched MBR, BIOS floppy emulation + UEFI image in an appended 0xEF partition',
  },
  {
    path: '/usr/lib/memtest86+/memtest86+ia32.iso',
    debianPackage: 'memtest86+',
    boot: 'GRUB2-patched MBR, BIOS floppy emulation + UEFI image in an appended 0xEF partition',
  },
];
