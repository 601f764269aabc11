import { stat } from 'node:fs/promises';
import { runCommand } from './exec.ts';

/** Makes a FAT image holding FILES (mkfs.vfat + mtools, no mount), sized to fit with some slack. */
export async function makeFatImage(
  image: string,
  files: readonly { localPath: string; imagePath: string }[],
  signal?: AbortSignal,
): Promise<void> {
  let bytes = 0;
  for (const file of files) bytes += (await stat(file.localPath)).size;
  // Slack: the two FATs (up to 4 bytes per 4 KiB cluster each, FAT32 for the big images mkfs.vfat
  // picks it for), the root folder, and each file's last cluster.
  const kib = Math.ceil(bytes / 1024) + Math.ceil(bytes / 1024 / 256) + 256 + files.length * 8;
  await runCommand(['mkfs.vfat', '-C', image, String(kib)], { signal });
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.imagePath.split('/').filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`::/${parts.slice(0, i).join('/')}`);
  }
  if (dirs.size) await runCommand(['mmd', '-i', image, ...[...dirs].sort()], { signal });
  for (const file of files) {
    await runCommand(['mcopy', '-i', image, file.localPath, `::${file.imagePath}`], { signal });
  }
}
