import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { removeTree } from '../safety/remove.ts';
import { makeFatImage } from '../tools/fat.ts';
import { GRUB_SERIAL_BOOT_MODULES, runGrubMkimage } from '../tools/grub.ts';
import { runSfdiskMbr } from '../tools/sfdisk.ts';
import { checkCoreImage, makeBiosBootSector } from './bios-mbr.ts';

/**
 * The loopback boot: a USB stick with the host's GRUB (not the ISO's) and the ISO as a plain file,
 * the way GRUB-based multiboot sticks start an ISO and Ubuntu's loopback.cfg convention expects:
 * GRUB loop-mounts the file, exports iso_path and sources the ISO's /boot/grub/loopback.cfg, whose
 * kernel line hands iso-scan/filename=${iso_path} on to casper.
 */
const SECTOR = 512;
// The partition starts at 1 MiB, as partitioning tools align it; the gap before it holds core.img.
const PARTITION_START_SECTOR = 2048;
const GRUB_MODULES = ['part_msdos', 'fat', 'iso9660', 'loopback', ...GRUB_SERIAL_BOOT_MODULES];

// Built into the stick's GRUB images: GRUB's own (rescue) parser runs it, which knows no comments
// or export; the real config is a file on the stick that normal mode reads.
const EARLY_CONFIG = `search --no-floppy --set=root --file /boot/grub/grub.cfg
set prefix=($root)/boot/grub
configfile $prefix/grub.cfg
`;

/** The stick's /boot/grub/grub.cfg: find the ISO file, loop-mount it, source its loopback.cfg. */
export function makeLoopbackGrubConfig(isoName: string): string {
  return `serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
loopback loop ($root)/${isoName}
set iso_path=/${isoName}
export iso_path
set root=(loop)
# loopback.cfg menus (Ubuntu's) set no timeout: without one exported here they wait for a key.
set timeout=1
export timeout
configfile /boot/grub/loopback.cfg
`;
}

/** The name the ISO gets on the stick: its own, with anything GRUB or FAT would need quoted replaced. */
export function makeStickIsoName(iso: string): string {
  const name = basename(iso).replace(/[^A-Za-z0-9._-]/g, '_');
  return name.toLowerCase().endsWith('.iso') ? name : `${name}.iso`;
}

/**
 * Writes STICK: an MBR disk image with one bootable FAT partition holding /EFI/BOOT/BOOTX64.EFI,
 * /boot/grub/grub.cfg and the ISO, and GRUB's boot.img + core.img in the MBR and its gap for BIOS. Returns the ISO's path
 * on the stick. Temporary files go to a folder under WORKDIR, removed before returning.
 */
export async function makeLoopbackStick(options: {
  iso: string;
  stick: string;
  workDir: string;
  signal?: AbortSignal;
}): Promise<string> {
  const { signal } = options;
  const isoName = makeStickIsoName(options.iso);
  const temp = await mkdtemp(join(options.workDir, 'loopback-'));
  try {
    const early = join(temp, 'grub-early.cfg');
    await writeFile(early, EARLY_CONFIG);
    const config = join(temp, 'grub.cfg');
    await writeFile(config, makeLoopbackGrubConfig(isoName));
    const bootx64 = join(temp, 'bootx64.efi');
    const core = join(temp, 'core.img');
    const grub = { prefix: '/boot/grub', embeddedConfig: early, signal } as const;
    await runGrubMkimage({
      ...grub,
      format: 'x86_64-efi',
      output: bootx64,
      modules: ['efi_gop', 'all_video', ...GRUB_MODULES],
    });
    await runGrubMkimage({
      ...grub,
      format: 'i386-pc',
      output: core,
      modules: ['biosdisk', ...GRUB_MODULES],
    });
    const fat = join(temp, 'fat.img');
    await makeFatImage(
      fat,
      [
        { localPath: bootx64, imagePath: '/EFI/BOOT/BOOTX64.EFI' },
        { localPath: config, imagePath: '/boot/grub/grub.cfg' },
        { localPath: options.iso, imagePath: `/${isoName}` },
      ],
      signal,
    );
    await writeDisk(options.stick, fat, await readFile(core), signal);
    return `/${isoName}`;
  } finally {
    await removeTree(temp, { within: options.workDir });
  }
}

async function writeDisk(stick: string, fat: string, core: Uint8Array, signal?: AbortSignal): Promise<void> {
  checkCoreImage(core, PARTITION_START_SECTOR);
  const fatSectors = Math.ceil((await stat(fat)).size / SECTOR);
  await writeFile(stick, '');
  await truncate(stick, (PARTITION_START_SECTOR + fatSectors) * SECTOR);
  await runSfdiskMbr(
    stick,
    [{ startSector: PARTITION_START_SECTOR, sizeSectors: fatSectors, type: 'c', bootable: true }],
    signal,
  );
  const handle = await open(stick, 'r+');
  try {
    const sector0 = new Uint8Array(SECTOR);
    await handle.read(sector0, 0, SECTOR, 0);
    await handle.write(makeBiosBootSector(await readFile(BOOT_IMG), sector0), 0, SECTOR, 0);
    await handle.write(core, 0, core.length, SECTOR);
  } finally {
    await handle.close();
  }
  await pipeline(
    createReadStream(fat),
    createWriteStream(stick, { flags: 'r+', start: PARTITION_START_SECTOR * SECTOR }),
    { signal },
  );
}

const BOOT_IMG = '/usr/lib/grub/i386-pc/boot.img';
