import { InputError } from '../errors.ts';

/** Firmware and media a boot test can use: the ways a real ISO gets booted. */
export type Firmware = 'bios' | 'uefi' | 'uefi-secureboot';
/** loopback: a USB stick whose GRUB loop-mounts the ISO file and sources its loopback.cfg (loopback.ts). */
export type Media = 'cdrom' | 'usb' | 'loopback';
export const FIRMWARES: readonly Firmware[] = ['bios', 'uefi', 'uefi-secureboot'];
export const MEDIA: readonly Media[] = ['cdrom', 'usb', 'loopback'];
/** What `--media all` means: the medium as written to a CD or a stick; loopback only when named (it needs loopback.cfg). */
export const ALL_MEDIA: readonly Media[] = ['cdrom', 'usb'];

/** `all` (EVERY, default ALL), one name or a comma-separated list from the command line, checked against ALL. */
export function parseModeList<T extends string>(
  value: string,
  all: readonly T[],
  what: string,
  every: readonly T[] = all,
): T[] {
  if (value === 'all') return [...every];
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(all as readonly string[]).includes(name));
  if (unknown === undefined) return [...new Set(names)] as T[];
  throw new InputError(`unknown ${what} '${unknown}'`, {
    hint: `use one of: ${all.join(', ')}, all${every === all ? '' : ` (${every.join(',')})`} (or a comma-separated list)`,
  });
}

const OVMF = '/usr/share/OVMF';
export const FIRMWARE_FILES = {
  uefi: { code: `${OVMF}/OVMF_CODE_4M.fd`, vars: `${OVMF}/OVMF_VARS_4M.fd` },
  // The .ms variables have Microsoft's keys enrolled, so Secure Boot is enforced for shim.
  'uefi-secureboot': { code: `${OVMF}/OVMF_CODE_4M.ms.fd`, vars: `${OVMF}/OVMF_VARS_4M.ms.fd` },
} as const;

/**
 * The qemu-system-x86_64 argv for one boot (software emulation; the ISO is never written to). For
 * loopback media ISO is the stick image holding it (makeLoopbackStick), attached as a USB stick.
 */
export function makeQemuArgs(options: {
  iso: string;
  firmware: Firmware;
  media: Media;
  varsFile?: string;
  qmpSocket: string;
  memoryMiB?: number;
}): string[] {
  const args = ['qemu-system-x86_64', '-accel', 'tcg', '-m', String(options.memoryMiB ?? 1024)];
  args.push('-display', 'none', '-no-reboot', '-serial', 'stdio', '-monitor', 'none', '-net', 'none');
  args.push('-qmp', `unix:${options.qmpSocket},server=on,wait=off`);
  if (options.firmware !== 'bios') {
    const files = FIRMWARE_FILES[options.firmware];
    if (options.firmware === 'uefi-secureboot') {
      args.push('-machine', 'q35,smm=on', '-global', 'driver=cfi.pflash01,property=secure,value=on');
    }
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${files.code}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${options.varsFile ?? files.vars}`);
  }
  if (options.media === 'cdrom') {
    // SeaBIOS tries floppy and hard disk first; start with the CD as a BIOS would after F12.
    if (options.firmware === 'bios') args.push('-boot', 'order=d');
    args.push('-drive', `file=${options.iso},media=cdrom,format=raw,readonly=on`);
  } else {
    // A hybrid ISO written to a USB stick with dd (or the loopback stick); snapshot=on keeps the file untouched.
    args.push(
      '-device',
      'qemu-xhci,id=xhci',
      '-drive',
      `if=none,id=stick,format=raw,snapshot=on,file=${options.iso}`,
    );
    args.push('-device', 'usb-storage,bus=xhci.0,drive=stick,removable=on');
  }
  return args;
}
