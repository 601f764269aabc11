import { dirname } from 'node:path';
import { quoteShellArg as q } from '../tools/exec.ts';
import { stepShell } from '../steps/index.ts';
import { makeReplayArgs } from '../output/write-iso.ts';
import type { BuildPlan, LayerPlan } from './plan.ts';
import type { WorkDir } from './work-dir.ts';

/** The whole build as the shell commands a person could run by hand (--dry-run). */
export function makeDryRunScript(plan: BuildPlan, workDir: WorkDir): string {
  const lines = ['#!/bin/sh', `# isoforge build plan: ${plan.input} -> ${plan.output}`, 'set -e'];
  // Run from the recipe folder: files named in steps are relative to it; work files are absolute.
  lines.push(`cd ${q(plan.recipeDir)}`);
  for (const layer of plan.layers) lines.push('', ...layerCommands(plan, layer, workDir));
  const replace = plan.layers.map((l) => ({
    isoPath: l.layer.path,
    localPath: workDir.newFile(l.isoPaths.squashfs),
  }));
  lines.push(
    '',
    '# then: the packages and size sidecars, install-source sizes and checksum files are rewritten for the changed files',
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

function layerCommands(plan: BuildPlan, layer: LayerPlan, workDir: WorkDir): string[] {
  const name = layer.layer.name;
  const { algorithm, blockSize } = layer.compression;
  // q() of the prefix alone keeps `${dir}/upper` valid shell even when the work dir has spaces.
  const dir = q(workDir.layer(name));
  const lowerOf = (a: { name: string }) => q(workDir.lower(a.name));
  const squashfs = q(workDir.newFile(layer.isoPaths.squashfs));
  const sizeFile = q(workDir.newFile(layer.isoPaths.size));
  const root = layer.ancestors.length ? `${dir}/merged` : `${dir}/upper`;
  const lines = [
    `# layer ${name} (${algorithm}, block ${blockSize ?? 'default'})`,
    `unsquashfs -d ${dir}/upper -xattrs -o ${layer.extent.offset} ${q(plan.input)}`,
  ];
  for (const a of layer.ancestors) {
    lines.push(
      `mkdir -p ${lowerOf(a)} && mount -t squashfs -o loop,ro,offset=${a.offset},sizelimit=${a.size} ${q(plan.input)} ${lowerOf(a)}`,
    );
  }
  if (layer.ancestors.length) {
    const lower = layer.ancestors.map(lowerOf).reverse().join(':');
    lines.push(
      `mkdir -p ${dir}/work ${root} && mount -t overlay overlay -o lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work ${root}`,
    );
  }
  lines.push(
    `for fs in proc sys dev dev/pts run; do mkdir -p ${root}/$fs; done`,
    `mount -t proc proc ${root}/proc && mount -t sysfs -o ro sysfs ${root}/sys && mount --bind /dev ${root}/dev && mount -t devpts devpts ${root}/dev/pts && mount -t tmpfs tmpfs ${root}/run`,
    `touch ${dir}/started   # what is newer than this in /var/log was written by the build`,
    `mv ${root}/etc/resolv.conf ${dir}/resolv.conf.orig; cp /etc/resolv.conf ${root}/etc/resolv.conf`,
    `printf '#!/bin/sh\\nexit 101\\n' > ${root}/usr/sbin/policy-rc.d && chmod 755 ${root}/usr/sbin/policy-rc.d   # no services start`,
    ...layer.recipe.steps.flatMap((step) =>
      stepShell(step).map((line) => line.replaceAll('squashfs-root', root)),
    ),
    `chroot ${root} apt-get clean`,
    `umount ${root}/run ${root}/dev/pts ${root}/dev ${root}/sys ${root}/proc`,
    `rm ${root}/usr/sbin/policy-rc.d; rm -f ${root}/etc/resolv.conf; mv ${dir}/resolv.conf.orig ${root}/etc/resolv.conf`,
    '# what the build added: files in /tmp and /var/log, apt lists, shell history, new SSH host keys;',
    '# /etc/machine-id put back as it was (empty on Ubuntu)',
    `rm -rf ${root}/tmp/* ${root}/var/lib/apt/lists/* ${root}/root/.bash_history ${root}/etc/ssh/ssh_host_*_key*`,
    `find ${root}/var/log -type f -newer ${dir}/started -delete`,
  );
  if (layer.ancestors.length) lines.push(`umount ${root} ${layer.ancestors.map(lowerOf).join(' ')}`);
  lines.push(
    `mkdir -p ${q(dirname(workDir.newFile(layer.isoPaths.squashfs)))}`,
    `mksquashfs ${dir}/upper ${squashfs} -noappend -xattrs -comp ${algorithm}${blockSize ? ` -b ${blockSize}` : ''}`,
    `du -sx --block-size=1 ${dir}/upper | cut -f1 > ${sizeFile}`,
  );
  return lines;
}
