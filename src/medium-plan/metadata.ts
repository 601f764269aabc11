import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { updateInstallSourcesSizes } from '../distro/casper-meta.ts';
import { findChecksumFiles, hexLengthOf, updateChecksums } from '../distro/checksums.ts';
import type { IsoChanges } from '../output/write-iso.ts';
import { excludedFromChecksums } from './checksum-exclusions.ts';
import { digestUnderWay, hashFile } from '../layer/file-hash.ts';
import { makePlaceholder, placeholderOffsets } from '../output/digest-patches.ts';
import type { LayerResult } from '../layer/customize.ts';
import { makeMediumUuidChanges } from './uuid.ts';
import type { MediumSource } from './source.ts';
import type { Signer } from './signing.ts';
import type { WorkPaths } from '../layer/paths.ts';

/**
 * Brings everything that describes the changed layers up to date: the packages and size sidecars,
 * the sizes in install-sources.yaml, every checksum file the medium carries; stale .gpg
 * signatures are re-made with the recipe's key or dropped (nothing could verify them).
 */
export async function makeMetadataChanges(
  plan: MediumSource,
  results: readonly LayerResult[],
  medium: IsoChanges,
  workDir: WorkPaths,
  say: (line: string) => void,
  signer?: Signer,
): Promise<IsoChanges> {
  const changes: IsoChanges = {
    replace: [...medium.replace],
    remove: [...medium.remove],
    volumeId: plan.volumeId,
  };
  const put = async (isoPath: string, content: string) => {
    const localPath = workDir.newFile(isoPath);
    await mkdir(dirname(localPath), { recursive: true });
    await writeFile(localPath, content);
    changes.replace.push({ isoPath, localPath });
  };
  const sourcesFile = plan.layout.installSourcesFile;
  let installSources = sourcesFile ? (plan.mediumFiles.get(sourcesFile) ?? null) : null;
  const names = plan.original.layers.map((l) => l.name);
  for (const result of results) {
    const { layer, isoPaths } = result.plan;
    changes.replace.push({ isoPath: isoPaths.squashfs, localPath: result.squashfs });
    if (layer.manifest) await put(isoPaths.packages, result.manifest);
    await put(isoPaths.size, `${result.sizeBytes}\n`);
    if (result.liveBoot) {
      changes.replace.push({ isoPath: result.liveBoot.isoKernel, localPath: result.liveBoot.kernel });
      changes.replace.push({ isoPath: result.liveBoot.isoInitrd, localPath: result.liveBoot.initrd });
      await makeMediumUuidChanges(plan, result.liveBoot, put, say);
    }
    if (installSources !== null && layer.recordedSize !== null) {
      const delta = result.sizeBytes - layer.recordedSize;
      const updated = updateInstallSourcesSizes(installSources, result.name, delta, names);
      installSources = updated.text;
      if (updated.changed.length) say(`${sourcesFile}: size of ${updated.changed.join(', ')} updated`);
    }
    if (signer) {
      const signature = workDir.newFile(isoPaths.signature);
      await signer.sign(result.squashfs, signature);
      changes.replace.push({ isoPath: isoPaths.signature, localPath: signature });
      say(`signed ${isoPaths.squashfs} with key ${signer.fingerprint}`);
    } else if (layer.signature) {
      changes.remove.push(isoPaths.signature);
      say(`removed ${isoPaths.signature}: it signed the old layer, and no signing key was given`);
    }
  }
  if (sourcesFile && installSources !== null) await put(sourcesFile, installSources);
  await updateChecksumFiles(plan, changes, put, say);
  return changes;
}

/**
 * Re-hashes the replaced files in every checksum file of the medium, each in its own algorithm. A
 * digest still being taken (a new layer's) is not waited for: a placeholder stands in its line and
 * the write stage puts the digest there once xorriso has written the ISO (output/digest-patches.ts).
 */
async function updateChecksumFiles(
  plan: MediumSource,
  changes: IsoChanges,
  put: (isoPath: string, content: string) => Promise<void>,
  say: (line: string) => void,
): Promise<void> {
  const excluded = excludedFromChecksums(plan.original);
  const replaced = [...changes.replace];
  for (const file of findChecksumFiles(plan.original.checksumFiles)) {
    const text = plan.mediumFiles.get(file.path);
    if (text === undefined) continue;
    const hashes = new Map<string, string>();
    const deferred: { placeholder: string; digest: Promise<string> }[] = [];
    for (const entry of replaced) {
      const underWay = await digestUnderWay(entry.localPath, file.algorithm);
      if (!underWay) {
        hashes.set(entry.isoPath, await hashFile(entry.localPath, file.algorithm));
        continue;
      }
      const placeholder = makePlaceholder(hexLengthOf(file.algorithm));
      deferred.push({ placeholder, digest: underWay.digest });
      hashes.set(entry.isoPath, placeholder);
    }
    const updated = updateChecksums(text, hashes, changes.remove, { algorithm: file.algorithm, excluded });
    await put(file.path, updated);
    const localPath = changes.replace.findLast((entry) => entry.isoPath === file.path)?.localPath ?? '';
    for (const { placeholder, digest } of deferred) {
      const offsets = placeholderOffsets(updated, placeholder);
      if (offsets.length)
        (changes.patches ??= []).push({ isoPath: file.path, localPath, offsets, placeholder, digest });
    }
    const later = deferred.length ? ` (${deferred.length} put in as the ISO is written)` : '';
    say(`${file.path}: ${file.algorithm} of ${hashes.size} replaced files updated${later}`);
  }
}
