import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { updateInstallSourcesSizes, updateMd5sums } from '../distro/casper-meta.ts';
import { IsoImage } from '../iso/image.ts';
import type { IsoChanges } from '../output/write-iso.ts';
import type { LayerResult } from './customize.ts';
import type { BuildPlan } from './plan.ts';
import type { Signer } from './signing.ts';

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Brings everything that describes the changed layers up to date: .manifest, .size, the sizes in
 * install-sources.yaml, md5sum.txt; stale .gpg signatures are dropped (nothing can verify them).
 */
export async function makeMetadataChanges(
  plan: BuildPlan,
  results: readonly LayerResult[],
  workDir: string,
  say: (line: string) => void,
  signer?: Signer,
): Promise<IsoChanges> {
  const dir = join(workDir, 'new');
  await mkdir(join(dir, 'casper'), { recursive: true });
  const changes: IsoChanges = { replace: [], remove: [], volumeId: plan.volumeId };
  const put = async (isoPath: string, content: string) => {
    const localPath = join(dir, isoPath);
    await writeFile(localPath, content);
    changes.replace.push({ isoPath, localPath });
  };
  await using image = await IsoImage.open(plan.input);
  let installSources = await image.readText('/casper/install-sources.yaml');
  const names = plan.original.layers.map((l) => l.name);
  for (const result of results) {
    const layer = plan.layers.find((l) => l.layer.name === result.name)?.layer;
    const base = layer?.path.replace(/\.squashfs$/, '') ?? `/casper/${result.name}`;
    changes.replace.push({ isoPath: `${base}.squashfs`, localPath: result.squashfs });
    // Debian live names the package list filesystem.packages; casper names it .manifest.
    const manifestSuffix = plan.original.layout === 'live' ? 'packages' : 'manifest';
    if (layer?.manifest) await put(`${base}.${manifestSuffix}`, result.manifest);
    await put(`${base}.size`, `${result.sizeBytes}\n`);
    if (result.liveBoot) {
      changes.replace.push({ isoPath: result.liveBoot.isoKernel, localPath: result.liveBoot.kernel });
      changes.replace.push({ isoPath: result.liveBoot.isoInitrd, localPath: result.liveBoot.initrd });
    }
    if (installSources !== null && layer?.recordedSize != null) {
      const updated = updateInstallSourcesSizes(
        installSources,
        result.name,
        result.sizeBytes - layer.recordedSize,
        names,
      );
      installSources = updated.text;
      if (updated.changed.length) say(`install-sources.yaml: size of ${updated.changed.join(', ')} updated`);
    }
    if (signer) {
      const signature = join(dir, `${base}.squashfs.gpg`);
      await signer.sign(result.squashfs, signature);
      changes.replace.push({ isoPath: `${base}.squashfs.gpg`, localPath: signature });
      say(`signed ${base}.squashfs with key ${signer.fingerprint}`);
    } else if (layer?.signature) {
      changes.remove.push(`${base}.squashfs.gpg`);
      say(`removed ${base}.squashfs.gpg: it signed the old layer, and no signing key was given`);
    }
  }
  if (installSources !== null) await put('/casper/install-sources.yaml', installSources);
  const md5sums = await image.readText('/md5sum.txt');
  if (md5sums !== null) {
    const hashes = new Map<string, string>();
    for (const file of changes.replace) hashes.set(file.isoPath, await md5OfFile(file.localPath));
    await put('/md5sum.txt', updateMd5sums(md5sums, hashes, changes.remove));
  }
  return changes;
}
