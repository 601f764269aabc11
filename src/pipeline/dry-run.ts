import { dirname, join } from 'node:path';
import { CHECKSUM_FILES, entryIsoPath } from '../distro/checksums.ts';
import { makeReplayArgs } from '../output/write-iso.ts';
import { makeWriteSetupArgs } from '../output/write-setup.ts';
import { quoteShellArg as q, renderCommand as sh } from '../ui/shell.ts';
import { customizeUnpackedOn } from '../layer/harness.ts';
import { PrintingHost } from '../layer/host-print.ts';
import type { LayerPlan } from '../layer/plan.ts';
import { excludedFromChecksums } from '../medium-plan/checksum-exclusions.ts';
import type { MediumPlan } from '../medium-plan/plan.ts';
import { driveAddress } from '../tools/xorriso.ts';
import type { BuildPlan } from './plan.ts';
import type { WorkDir } from './work-dir.ts';

/**
 * The whole build as the shell script a person could run by hand (--dry-run), rendered from the
 * same plan, step actions and argv builders the build runs. Run as root, it writes the same layers
 * and checksum files; what it leaves to isoforge is named in comments.
 */
export async function makeDryRunScript(plan: BuildPlan, workDir: WorkDir): Promise<string> {
  const lines = ['#!/bin/sh', `# isoforge build plan: ${plan.input} -> ${plan.output}`, 'set -e'];
  // Run from the recipe folder: files named in steps are relative to it; work files are absolute.
  lines.push(`cd ${q(plan.recipeDir)}`);
  for (const layer of plan.layers) lines.push('', ...(await renderLayer(layer, workDir)));
  const medium = renderMedium(plan.medium, workDir);
  if (medium.lines.length > 1) lines.push('', ...medium.lines);
  const layerFiles = plan.layers.flatMap((layer) => [
    layer.isoPaths.squashfs,
    layer.isoPaths.size,
    ...(layer.layer.manifest ? [layer.isoPaths.packages] : []),
  ]);
  const replace = [
    ...layerFiles.map((isoPath) => ({ isoPath, localPath: workDir.newFile(isoPath) })),
    ...medium.replace,
  ];
  const staleSignatures = plan.sign
    ? []
    : plan.layers.filter((l) => l.layer.signature).map((l) => l.isoPaths.signature);
  const remove = [...plan.medium.remove, ...staleSignatures];
  for (const path of plan.medium.remove) lines.push(`# removed from the medium: ${path}`);
  lines.push('', ...renderChecksumUpdates(plan, workDir, replace, remove));
  if (plan.layout.installSourcesFile && plan.original.installSources.length)
    lines.push(
      `# not shown: the sizes in ${plan.layout.installSourcesFile} (isoforge adds each layer's size change)`,
    );
  if (plan.sign) lines.push('# not shown: signing the new layers with the recipe key (gpg --detach-sign)');
  if (plan.pool)
    lines.push(
      `# not shown: the offline pool (apt-get --download-only in ${plan.pool.chain.join(' + ')}, apt-ftparchive, gpg), its key written to ${plan.pool.keyLayer}`,
    );
  const checksums = plan.original.checksumFiles;
  const changes = {
    replace: [...replace, ...checksums.map((isoPath) => ({ isoPath, localPath: workDir.newFile(isoPath) }))],
    remove,
    volumeId: plan.volumeId,
  };
  const tmp = `${plan.output}.tmp`;
  lines.push(
    '',
    sh(['rm', '-f', tmp]),
    sh([
      'xorriso',
      ...makeReplayArgs(
        plan.input,
        tmp,
        changes,
        makeWriteSetupArgs(plan.writeSetup.output, plan.original.gpt !== null),
      ),
    ]),
  );
  lines.push(sh(['mv', tmp, plan.output]));
  return `${lines.join('\n')}\n`;
}

/**
 * One layer as shell lines: the build's own harness (layer/harness.ts) run on the printing host. A
 * script cannot reuse blocks, so it always unpacks and packs the layer whole, and says so.
 */
async function renderLayer(layer: LayerPlan, workDir: WorkDir): Promise<string[]> {
  const { compression } = layer;
  const header = [
    `# layer ${layer.layer.name} (${compression.algorithm}, block ${compression.blockSize ?? 'default'})`,
    ...(layer.target ? [`# named by the recipe's target '${layer.target}'`] : []),
    ...(layer.repack === 'reuse'
      ? [
          '# the build repacks this layer by block reuse: it unpacks nothing and copies the blocks of unchanged',
          '# files; a script cannot, so this one is a full repack (unpack, then pack everything: the same content)',
        ]
      : []),
  ];
  const packages = workDir.newFile(layer.isoPaths.packages);
  await using host = new PrintingHost(join(workDir.layer(layer.layer.name), 'dry-run'), packages);
  await customizeUnpackedOn(host, layer, { workDir, ancestors: layer.ancestors, steps: layer.recipe.steps });
  return [...header, ...host.lines];
}

/** Each checksum file taken from the ISO, its lines for REPLACE re-hashed and for REMOVE dropped. */
function renderChecksumUpdates(
  plan: BuildPlan,
  workDir: WorkDir,
  replace: readonly MappedFile[],
  remove: string[],
): string[] {
  const excluded = new Set(excludedFromChecksums(plan.original));
  const lines: string[] = [];
  for (const file of CHECKSUM_FILES.filter((f) => plan.original.checksumFiles.includes(f.path))) {
    const local = workDir.newFile(file.path);
    lines.push(
      `# ${file.path}: re-hash the replaced files (${file.algorithm})`,
      sh(['mkdir', '-p', dirname(local)]),
      sh(['xorriso', '-osirrox', 'on', '-indev', driveAddress(plan.input), '-extract', file.path, local]),
      sh(['chmod', 'u+w', local]),
    );
    for (const { isoPath, localPath } of replace.filter((f) => !excluded.has(entryIsoPath(f.isoPath)))) {
      const line = `"$(${file.algorithm}sum < ${q(localPath)} | cut -d' ' -f1)  .${isoPath}"`;
      const pattern = `^[0-9a-f]*  \\.${escapeRegex(isoPath)}$`;
      lines.push(`grep -q ${q(pattern)} ${q(local)} || echo "x  .${isoPath}" >> ${q(local)}`);
      lines.push(`line=${line}; sed -i "s|${pattern.replaceAll('\\', '\\\\')}|$line|" ${q(local)}`);
    }
    for (const isoPath of remove)
      lines.push(`sed -i ${q(`\\|  \\.${escapeRegex(isoPath)}\\(/.*\\)\\?$|d`)} ${q(local)}`);
  }
  return lines;
}

type MappedFile = { isoPath: string; localPath: string };

/** The medium's own changes (iso:) as commands: texts written with printf, files copied when their mode changes. */
function renderMedium(medium: MediumPlan, workDir: WorkDir): { lines: string[]; replace: MappedFile[] } {
  const lines = ['# the medium itself (iso:)'];
  const replace: MappedFile[] = [];
  for (const [isoPath, text] of medium.texts) {
    const localPath = workDir.newFile(isoPath);
    lines.push(sh(['mkdir', '-p', dirname(localPath)]), `${sh(['printf', '%s', text])} > ${q(localPath)}`);
    replace.push({ isoPath, localPath });
  }
  for (const file of medium.files) {
    if (file.mode === undefined) {
      replace.push(file);
      continue;
    }
    const localPath = workDir.newFile(file.isoPath);
    lines.push(
      sh(['mkdir', '-p', dirname(localPath)]),
      sh(['cp', file.localPath, localPath]),
      sh(['chmod', file.mode.toString(8), localPath]),
    );
    replace.push({ isoPath: file.isoPath, localPath });
  }
  return { lines, replace };
}

function escapeRegex(path: string): string {
  return path.replace(/[.[\]*^$\\|]/g, (c) => `\\${c}`);
}
