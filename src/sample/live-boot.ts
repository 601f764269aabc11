import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDefaultLayerConf } from './kernel-layer.ts';

/**
 * What casper ships for initramfs-tools, in the sample's form: put into the installer layer, so an
 * initrd that update-initramfs makes in a kernel layer above it boots the medium and runs the
 * sample's checks, with conf/uuid.conf as Ubuntu's live initrds carry it (each kernel layer adds
 * its own conf.d/default-layer.conf, kernel-layer.ts).
 */
export interface LiveBootSpec {
  /** The layer the initrds made above name, where the release writes it here (26.04). */
  defaultLayer?: string;
  /** Modules the initrd loads before the checks run (the medium, its bus, the layer stack). */
  modules: readonly string[];
}

const asset = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

/** The files, by path in the layer: the asset each is copied from or the text it holds, and its mode. */
function liveBootFiles(spec: LiveBootSpec): { path: string; from?: string; text?: string; mode: number }[] {
  return [
    { path: 'usr/share/initramfs-tools/hooks/casper', from: asset('casper-hook.sh'), mode: 0o755 },
    { path: 'usr/share/initramfs-tools/scripts/casper', from: asset('casper-script.sh'), mode: 0o644 },
    { path: 'usr/share/isoforge-sample/init.sh', from: asset('init.sh'), mode: 0o755 },
    { path: 'usr/share/isoforge-sample/modules', text: `${spec.modules.join('\n')}\n`, mode: 0o644 },
    // Ubuntu's live layers carry both: every update-initramfs there makes a new casper UUID.
    {
      path: 'etc/initramfs-tools/conf.d/casperize.conf',
      text: 'export CASPER_GENERATE_UUID=1\n',
      mode: 0o644,
    },
    // Only the modules the hook names (not "most"): a small initrd boots in seconds without KVM.
    { path: 'etc/initramfs-tools/conf.d/isoforge-sample.conf', text: 'MODULES=list\n', mode: 0o644 },
  ];
}

/** Writes the live boot files into ROOT (the layer's merged view, so they land in its upper dir). */
export async function installLiveBootFiles(root: string, spec: LiveBootSpec): Promise<void> {
  for (const file of liveBootFiles(spec)) {
    const target = join(root, file.path);
    await mkdir(dirname(target), { recursive: true });
    if (file.from) await copyFile(file.from, target);
    else await writeFile(target, file.text ?? '');
    await chmod(target, file.mode);
  }
  if (spec.defaultLayer) await writeDefaultLayerConf(root, spec.defaultLayer);
}
