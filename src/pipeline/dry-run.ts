import { basename } from 'node:path';
import { quoteShellArg } from '../tools/exec.ts';
import { stepShell } from '../steps/index.ts';
import { makeReplayArgs } from '../output/write-iso.ts';
import type { BuildPlan } from './plan.ts';

/** The whole build as the shell commands a person could run by hand (--dry-run). */
export function makeDryRunScript(plan: BuildPlan, workDir: string): string {
  const q = quoteShellArg;
  const lines = [
    '#!/bin/sh',
    `# isoforge build plan: ${plan.input} -> ${plan.output}`,
    'set -e',
    `mkdir -p ${q(workDir)}`,
    `cd ${q(workDir)}`,
  ];
  const replace: { isoPath: string; localPath: string }[] = [];
  for (const layer of plan.layers) {
    const name = layer.layer.name;
    lines.push(
      '',
      `# layer ${name} (${layer.compression.algorithm}, block ${layer.compression.blockSize ?? 'default'})`,
    );
    lines.push(`unsquashfs -d layers/${name}/upper -xattrs -o ${layer.extent.offset} ${q(plan.input)}`);
    for (const ancestor of layer.ancestors) {
      lines.push(
        `mkdir -p lower/${ancestor.name} && mount -t squashfs -o loop,ro,offset=${ancestor.offset},sizelimit=${ancestor.size} ${q(plan.input)} lower/${ancestor.name}`,
      );
    }
    const root = layer.ancestors.length ? `layers/${name}/merged` : `layers/${name}/upper`;
    if (layer.ancestors.length) {
      const lower = layer.ancestors
        .map((a) => `lower/${a.name}`)
        .reverse()
        .join(':');
      lines.push(
        `mkdir -p layers/${name}/work ${root} && mount -t overlay overlay -o lowerdir=${lower},upperdir=layers/${name}/upper,workdir=layers/${name}/work ${root}`,
      );
    }
    lines.push(`for fs in proc sys dev dev/pts run; do mkdir -p ${root}/$fs; done`);
    lines.push(
      `mount -t proc proc ${root}/proc && mount -t sysfs -o ro sysfs ${root}/sys && mount --bind /dev ${root}/dev && mount -t devpts devpts ${root}/dev/pts && mount -t tmpfs tmpfs ${root}/run`,
    );
    lines.push(`cp /etc/resolv.conf ${root}/etc/resolv.conf   # the original is restored after the steps`);
    for (const step of layer.recipe.steps)
      lines.push(...stepShell(step).map((line) => line.replaceAll('squashfs-root', root)));
    lines.push(
      `chroot ${root} apt-get clean`,
      `umount -R ${root}/run ${root}/dev/pts ${root}/dev ${root}/sys ${root}/proc`,
    );
    if (layer.ancestors.length)
      lines.push(`umount ${root} ${layer.ancestors.map((a) => `lower/${a.name}`).join(' ')}`);
    lines.push(
      `mksquashfs layers/${name}/upper new/casper/${name}.squashfs -noappend -xattrs -comp ${layer.compression.algorithm}${layer.compression.blockSize ? ` -b ${layer.compression.blockSize}` : ''}`,
    );
    lines.push(`du -sx --block-size=1 layers/${name}/upper | cut -f1 > new/casper/${name}.size`);
    replace.push({ isoPath: layer.layer.path, localPath: `new/casper/${basename(layer.layer.path)}` });
  }
  lines.push(
    '',
    '# then: .manifest, install-sources.yaml sizes and md5sum.txt are rewritten for the changed files',
  );
  const args = makeReplayArgs(
    plan.input,
    `${plan.output}.tmp`,
    { replace, remove: [], volumeId: plan.volumeId },
    plan.original.joliet,
  );
  lines.push(['xorriso', ...args].map(q).join(' '), `mv ${q(`${plan.output}.tmp`)} ${q(plan.output)}`);
  return `${lines.join('\n')}\n`;
}
