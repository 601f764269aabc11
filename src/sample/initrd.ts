import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runDpkgExtract, runModuleLoadOrder } from '../tools/debian.ts';
import { type CpioEntry, makeCpioArchive } from './cpio.ts';

/** Modules the sample's init needs to find the medium on CD or USB and to stack the layers. */
export const NEEDED_MODULES: readonly string[] = [
  'isofs',
  'squashfs',
  'overlay',
  'loop',
  'sr_mod',
  'ata_piix',
  'ahci',
  'sd_mod',
  'usb-storage',
  'uas',
  'xhci-pci',
  'ehci-pci',
  'uhci-hcd',
  'virtio_scsi',
  'virtio_blk',
  'virtio_pci',
  // iso-scan/filename=: the stick's file system holding the ISO file (FAT with its code pages, or
  // ext4). Debian's kernel mounts FAT with iocharset=ascii unless told otherwise.
  'vfat',
  'nls_ascii',
  'nls_cp437',
  'nls_iso8859-1',
  'nls_utf8',
  'ext4',
];

const BUSYBOX = '/bin/busybox';

export interface SampleKernel {
  version: string;
  vmlinuz: string;
  initrd: Uint8Array;
}

/**
 * Unpacks Debian's kernel package and makes a small initrd: busybox, the modules above in load
 * order, an /init that does what casper does for the sample (find medium, stack layers), and the
 * casper UUID (conf/uuid.conf) the medium's .disk/casper-uuid-* must hold.
 */
export async function makeSampleKernel(options: {
  kernelDeb: string;
  workDir: string;
  defaultLayer: string;
  casperUuid: string;
  signal?: AbortSignal;
}): Promise<SampleKernel> {
  const { kernelDeb, workDir, signal } = options;
  const root = join(workDir, 'kernel');
  await runDpkgExtract(kernelDeb, root, signal);
  const version = (await readdir(join(root, 'lib/modules')))[0];
  if (!version) throw new Error(`${kernelDeb} holds no /lib/modules/VERSION`);
  const modules = await runModuleLoadOrder(root, version, NEEDED_MODULES, signal);
  const entries = await initrdEntries(modules, options.defaultLayer, options.casperUuid);
  return {
    version,
    vmlinuz: join(root, 'boot', `vmlinuz-${version}`),
    initrd: gzipSync(makeCpioArchive(entries), { level: 9 }),
  };
}

async function initrdEntries(
  modules: readonly string[],
  defaultLayer: string,
  casperUuid: string,
): Promise<CpioEntry[]> {
  const encode = (text: string) => new TextEncoder().encode(text);
  const dirs = [
    'bin',
    'conf',
    'conf/conf.d',
    'dev',
    'etc',
    'lib',
    'lib/modules',
    'proc',
    'sys',
    'cdrom',
    'layers',
    'root',
    'tmp',
  ];
  const entries: CpioEntry[] = dirs.map((path) => ({ path, mode: 0o040755 }));
  entries.push({ path: 'bin/busybox', mode: 0o100755, data: await readFile(BUSYBOX) });
  const initScript = fileURLToPath(new URL('./assets/init.sh', import.meta.url));
  entries.push({ path: 'init', mode: 0o100755, data: await readFile(initScript) });
  // Where livecd-rootfs puts the layer an initrd boots; casper reads it, and so does `inspect`.
  entries.push({
    path: 'conf/conf.d/default-layer.conf',
    mode: 0o100644,
    data: encode(`LAYERFS_PATH=${defaultLayer}.squashfs\n`),
  });
  entries.push({ path: 'conf/uuid.conf', mode: 0o100644, data: encode(`${casperUuid}\n`) });
  const order = modules.map((module) => `/lib/modules/${basename(module)}`);
  entries.push({ path: 'etc/modules-order', mode: 0o100644, data: encode(`${order.join('\n')}\n`) });
  for (const module of modules) {
    entries.push({ path: `lib/modules/${basename(module)}`, mode: 0o100644, data: await readFile(module) });
  }
  return entries;
}
