import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { SECTOR } from '../../src/iso/volume.ts';
import type { LayerExtent } from '../../src/rootfs/overlay.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { extractFromIso } from '../../src/tools/xorriso.ts';

/** The default install source's layer chain, bottom first, as extents inside the ISO file. */
export async function installSourceChain(path: string): Promise<LayerExtent[]> {
  const report = await inspectIso(path);
  const source = report.installSources.find((s) => s.default);
  if (!source) throw new Error(`${path} has no default install source`);
  return source.chain.map((name) => {
    const layer = report.layers.find((l) => l.name === name);
    if (!layer) throw new Error(`${path} has no layer ${name}`);
    return { name, file: path, offset: layer.lba * SECTOR, size: layer.sizeBytes };
  });
}

/** The medium as the installer sees it at /cdrom: the sample's dists/ and pool/ with the pool's files over them. */
export async function writeMediumDir(
  iso: string,
  target: string,
  files: readonly { isoPath: string; localPath: string }[],
): Promise<void> {
  await mkdir(target, { recursive: true });
  await extractFromIso(iso, [
    { isoPath: '/dists', localPath: join(target, 'dists') },
    { isoPath: '/pool', localPath: join(target, 'pool') },
  ]);
  await runCommand(['chmod', '-R', 'u+w', target]);
  for (const file of files) {
    await mkdir(dirname(join(target, file.isoPath)), { recursive: true });
    await cp(file.localPath, join(target, file.isoPath));
  }
}

/** Only `deb file:/cdrom jammy main` as apt source, as the installer sets it up; no stale lists. */
export async function useOnlyTheMedium(root: string): Promise<void> {
  await rm(join(root, 'etc/apt/sources.list.d'), { recursive: true, force: true });
  await mkdir(join(root, 'etc/apt/sources.list.d'));
  await writeFile(join(root, 'etc/apt/sources.list'), 'deb file:/cdrom jammy main\n');
  for (const name of await readdir(join(root, 'var/lib/apt/lists')).catch(() => []))
    if (name !== 'partial' && name !== 'lock')
      await rm(join(root, 'var/lib/apt/lists', name), { force: true });
}
