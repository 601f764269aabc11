import { dirname } from 'node:path';
import { CHECKSUM_FILES, entryIsoPath } from '../distro/checksums.ts';
import { makeReplayArgs } from '../output/write-iso.ts';
import { quoteShellArg as q, renderCommand as sh } from '../ui/shell.ts';
import { renderLayer } from './dry-run-layer.ts';
import { excludedFromChecksums } from './metadata.ts';
import type { BuildPlan } from './plan.ts';
import type { WorkDir } from './work-dir.ts';

/**
 * The whole build as the shell script a person could run by hand (--dry-run), rendered from the
 * same plan, step actions and argv builders the build runs. Run as root, it writes the same layers
 * and checksum files; what it leaves to isoforge is named in comments.
 */
export function makeDryRunScript(plan: BuildPlan, workDir: WorkDir): string {
  const lines = ['#!/bin/sh', `# isoforge build plan: ${plan.input} -> ${plan.output}`, 'set -e'];
  // Run from the recipe folder: files named in steps are relative to it; work files are absolute.
  lines.push(`cd ${q(plan.recipeDir)}`);
  for (const layer of plan.layers) lines.push('', ...renderLayer(plan, layer, workDir));
  const replace = plan.layers.flatMap((layer) => [
    layer.isoPaths.squashfs,
    layer.isoPaths.size,
    ...(layer.layer.manifest ? [layer.isoPaths.packages] : []),
  ]);
  const remove = plan.sign
    ? []
    : plan.layers.filter((l) => l.layer.signature).map((l) => l.isoPaths.signature);
  lines.push('', ...renderChecksumUpdates(plan, workDir, replace, remove));
  if (plan.layout.installSourcesFile && plan.original.installSources.length)
    lines.push(
      `# not shown: the sizes in ${plan.layout.installSourcesFile} (isoforge adds each layer's size change)`,
    );
  if (plan.sign) lines.push('# not shown: signing the new layers with the recipe key (gpg --detach-sign)');
  const checksums = plan.original.checksumFiles;
  const changes = {
    replace: [...replace, ...checksums].map((isoPath) => ({ isoPath, localPath: workDir.newFile(isoPath) })),
    remove,
    volumeId: plan.volumeId,
  };
  const tmp = `${plan.output}.tmp`;
  lines.push(
    '',
    sh(['rm', '-f', tmp]),
    sh(['xorriso', ...makeReplayArgs(plan.input, tmp, changes, plan.original.joliet)]),
  );
  lines.push(sh(['mv', tmp, plan.output]));
  return `${lines.join('\n')}\n`;
}

/** Each checksum file taken from the ISO, its lines for REPLACE re-hashed and for REMOVE dropped. */
function renderChecksumUpdates(
  plan: BuildPlan,
  workDir: WorkDir,
  replace: string[],
  remove: string[],
): string[] {
  const excluded = new Set(excludedFromChecksums(plan.original));
  const lines: string[] = [];
  for (const file of CHECKSUM_FILES.filter((f) => plan.original.checksumFiles.includes(f.path))) {
    const local = workDir.newFile(file.path);
    lines.push(
      `# ${file.path}: re-hash the replaced files (${file.algorithm})`,
      sh(['mkdir', '-p', dirname(local)]),
      sh(['xorriso', '-osirrox', 'on', '-indev', plan.input, '-extract', file.path, local]),
      sh(['chmod', 'u+w', local]),
    );
    for (const isoPath of replace.filter((path) => !excluded.has(entryIsoPath(path)))) {
      const line = `"$(${file.algorithm}sum < ${q(workDir.newFile(isoPath))} | cut -d' ' -f1)  .${isoPath}"`;
      const pattern = `^[0-9a-f]*  \\.${escapeRegex(isoPath)}$`;
      lines.push(`grep -q ${q(pattern)} ${q(local)} || echo "x  .${isoPath}" >> ${q(local)}`);
      lines.push(`line=${line}; sed -i "s|${pattern.replaceAll('\\', '\\\\')}|$line|" ${q(local)}`);
    }
    for (const isoPath of remove) lines.push(`sed -i ${q(`\\|  \\.${escapeRegex(isoPath)}$|d`)} ${q(local)}`);
  }
  return lines;
}

function escapeRegex(path: string): string {
  return path.replace(/[.[\]*^$\\|]/g, (c) => `\\${c}`);
}
