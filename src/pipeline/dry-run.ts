import { basename } from 'node:path';
import { quoteShellArg as q } from '../tools/exec.ts';
import { stepShell } from '../steps/index.ts';
import { makeReplayArgs } from '../output/write-iso.ts';
import type { BuildPlan, LayerPlan } from './plan.ts';

/** The whole build as the shell commands a person could run by hand (--dry-run). */
export function makeDryRunScript(plan: BuildPlan, workDir: string): string {
  const lines = ['#!/bin/sh', `# isoforge build plan: ${plan.input} -> ${plan.output}`, 'set -e'];
  lines.push(`# files named in steps are relative to the recipe folder ${plan.recipeDir}`);
  lines.push(`mkdir -p ${q(workDir)}`, `cd ${q(workDir)}`);
  for (const layer of plan.layers) lines.push('', ...layerCommands(plan, layer));
  const replace = plan.layers.map((l) => ({
    isoPath: l.layer.path,
    localPath: `new/casper/${basename(l.layer.path)}`,
  }));
  lines.push(
    '',
    '# then: .manifest, install-sources.yaml sizes and md5sum.txt are rewritten for the changed files',
  );
  const tmp = `${plan.output}.tmp`;
  const args = makeReplayArgs(
    plan.input,
    tmp,
    { replace, remove: [], volumeId: plan.volumeId },
    plan.original.joliet,
  );
  lines.push(['xorriso', ...args].map(q).join(' '), `mv ${q(tmp)} ${q(plan.output)}`);
  return `${lines.join('\n')}\n`;
}

function layerCommands(plan: BuildPlan, layer: LayerPlan): string[] {
  const name = layer.layer.name;
  const { algorithm, blockSize } = layer.compression;
  const dir = `layers/${name}`;
  const root = layer.ancestors.length ? `${dir}/merged` : `${dir}/upper`;
  const lines = [
    `# layer ${name} (${algorithm}, block ${blockSize ?? 'default'})`,
    `unsquashfs -d ${dir}/upper -xattrs -o ${layer.extent.offset} ${q(plan.input)}`,
  ];
  for (const a of layer.ancestors) {
    lines.push(
      `mkdir -p lower/${a.name} && mount -t squashfs -o loop,ro,offset=${a.offset},sizelimit=${a.size} ${q(plan.input)} lower/${a.name}`,
    );
  }
  if (layer.ancestors.length) {
    const lower = layer.ancestors
      .map((a) => `lower/${a.name}`)
      .reverse()
      .join(':');
    lines.push(
      `mkdir -p ${dir}/work ${root} && mount -t overlay overlay -o lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work ${root}`,
    );
  }
  lines.push(
    `for fs in proc sys dev dev/pts run; do mkdir -p ${root}/$fs; done`,
    `mount -t proc proc ${root}/proc && mount -t sysfs -o ro sysfs ${root}/sys && mount --bind /dev ${root}/dev && mount -t devpts devpts ${root}/dev/pts && mount -t tmpfs tmpfs ${root}/run`,
    `cp /etc/resolv.conf ${root}/etc/resolv.conf   # the original is restored after the steps`,
    ...layer.recipe.steps.flatMap((step) =>
      stepShell(step).map((line) => line.replaceAll('squashfs-root', root)),
    ),
    `chroot ${root} apt-get clean`,
    `umount ${root}/run ${root}/dev/pts ${root}/dev ${root}/sys ${root}/proc`,
  );
  if (layer.ancestors.length)
    lines.push(`umount ${root} ${layer.ancestors.map((a) => `lower/${a.name}`).join(' ')}`);
  lines.push(
    `mksquashfs ${dir}/upper new/casper/${name}.squashfs -noappend -xattrs -comp ${algorithm}${blockSize ? ` -b ${blockSize}` : ''}`,
    `du -sx --block-size=1 ${dir}/upper | cut -f1 > new/casper/${name}.size`,
  );
  return lines;
}
