import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runDpkgExtract } from '../tools/debian.ts';
import { makeFatImage } from '../tools/fat.ts';
import { GRUB_SERIAL_BOOT_MODULES, runGrubMkimage } from '../tools/grub.ts';

/** What the sample's boot setup is made of, before xorriso writes it. */
export interface SampleBootFiles {
  /** Goes into the ISO tree at /boot/grub/i386-pc/eltorito.img. */
  eltorito: string;
  /** The FAT image appended as GPT partition 2 (Ubuntu's ESP). */
  efiImage: string;
  /** EFI files also placed in the ISO tree under /EFI/boot, as Ubuntu does. */
  efiFiles: { localPath: string; isoPath: string }[];
  /** GRUB's boot_hybrid.img: the MBR code for USB boots in BIOS mode. */
  mbr: string;
}

const GRUB_COMMON = ['part_msdos', 'part_gpt', 'iso9660', ...GRUB_SERIAL_BOOT_MODULES];
// UEFI GRUB finds the medium by /.disk/info, as Ubuntu's and Debian's CD GRUB do.
const EFI_EARLY_CONFIG = `search --no-floppy --set=root --file /.disk/info
set prefix=($root)/boot/grub
configfile $prefix/grub.cfg
`;

/** Builds the BIOS El Torito image, and an EFI image: plain GRUB, or shim + signed GRUB for Secure Boot. */
export async function makeSampleBootFiles(options: {
  workDir: string;
  secureBoot: boolean;
  signedDebs: ReadonlyMap<string, string>;
  signal?: AbortSignal;
}): Promise<SampleBootFiles> {
  const dir = join(options.workDir, 'boot');
  await mkdir(dir, { recursive: true });
  const eltorito = join(dir, 'eltorito.img');
  await runGrubMkimage({
    format: 'i386-pc-eltorito',
    output: eltorito,
    prefix: '/boot/grub',
    modules: ['biosdisk', ...GRUB_COMMON],
    signal: options.signal,
  });
  const efiFiles = options.secureBoot
    ? await signedEfiFiles(dir, options.signedDebs, options.signal)
    : await plainEfiFiles(dir, options.signal);
  const efiImage = join(dir, 'efi.img');
  await makeFatImage(
    efiImage,
    efiFiles.map((file) => ({ localPath: file.localPath, imagePath: file.isoPath })),
    options.signal,
  );
  return { eltorito, efiImage, efiFiles, mbr: '/usr/lib/grub/i386-pc/boot_hybrid.img' };
}

async function plainEfiFiles(dir: string, signal?: AbortSignal) {
  const config = join(dir, 'efi-early.cfg');
  await writeFile(config, EFI_EARLY_CONFIG);
  const bootx64 = join(dir, 'bootx64.efi');
  await runGrubMkimage({
    format: 'x86_64-efi',
    output: bootx64,
    prefix: '/boot/grub',
    modules: ['fat', 'efi_gop', 'efi_uga', 'all_video', ...GRUB_COMMON],
    embeddedConfig: config,
    signal,
  });
  return [{ localPath: bootx64, isoPath: '/EFI/boot/bootx64.efi' }];
}

/** Debian's Microsoft-signed shim, Debian-signed CD GRUB (it searches /.disk/info itself) and MokManager. */
async function signedEfiFiles(dir: string, debs: ReadonlyMap<string, string>, signal?: AbortSignal) {
  const root = join(dir, 'signed');
  for (const deb of debs.values()) await runDpkgExtract(deb, root, signal);
  const files = [
    { from: 'usr/lib/shim/shimx64.efi.signed', isoPath: '/EFI/boot/bootx64.efi' },
    { from: 'usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed', isoPath: '/EFI/boot/grubx64.efi' },
    { from: 'usr/lib/shim/mmx64.efi.signed', isoPath: '/EFI/boot/mmx64.efi' },
  ];
  const out = [];
  for (const file of files) {
    const localPath = join(dir, file.isoPath.split('/').at(-1) ?? '');
    await copyFile(join(root, file.from), localPath);
    out.push({ localPath, isoPath: file.isoPath });
  }
  return out;
}

export const SIGNED_BOOT_PACKAGES = ['shim-signed', 'shim-helpers-amd64-signed', 'grub-efi-amd64-signed'];
