import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IsoChanges } from '../output/write-iso.ts';
import type { MediumPlan } from './plan.ts';
import type { WorkPaths } from '../layer/paths.ts';

/**
 * The medium's own changes as files to map into the new ISO: edited texts written to the work
 * tree, recipe files mapped as they are (copied only when the recipe sets their mode, since
 * xorriso records the mode of the local file).
 */
export async function writeMediumChanges(
  medium: MediumPlan,
  workDir: WorkPaths,
  say: (line: string) => void,
): Promise<IsoChanges> {
  const changes: IsoChanges = { replace: [], remove: [...medium.remove] };
  for (const [isoPath, text] of medium.texts) {
    const localPath = workDir.newFile(isoPath);
    await mkdir(dirname(localPath), { recursive: true });
    await writeFile(localPath, text);
    changes.replace.push({ isoPath, localPath });
  }
  for (const file of medium.files) {
    let localPath = file.localPath;
    if (file.mode !== undefined) {
      localPath = workDir.newFile(file.isoPath);
      await mkdir(dirname(localPath), { recursive: true });
      await copyFile(file.localPath, localPath);
      await chmod(localPath, file.mode);
    }
    changes.replace.push({ isoPath: file.isoPath, localPath });
  }
  for (const path of medium.remove) say(`removed ${path}`);
  for (const entry of changes.replace) say(`wrote ${entry.isoPath}`);
  return changes;
}
