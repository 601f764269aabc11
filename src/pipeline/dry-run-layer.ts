import { join } from 'node:path';
import { overlayMount, layerMount } from '../rootfs/overlay.ts';
import { CHROOT_MOUNTS, POLICY_RC_D, POLICY_RC_D_SCRIPT } from '../rootfs/session.ts';
import { renderStepPlan } from '../steps/render.ts';
import { stepOf } from '../steps/registry.ts';
import { mountArgv, umountArgv } from '../tools/mount.ts';
import { mksquashfsArgv, unsquashfsArgv } from '../tools/squashfs.ts';
import { quoteShellArg as q, renderCommand as sh } from '../ui/shell.ts';
import { RESTORED_FILES, TRANSIENT } from '../layer/cleanup.ts';
import type { BuildPlan } from './plan.ts';
import type { LayerPlan } from '../layer/plan.ts';
import type { WorkDir } from './work-dir.ts';
import { APT_CLEAN } from '../layer/customize.ts';
import { renderCopyUpBefore, renderCopyUpCleanup } from '../layer/dry-run-copy-up.ts';

/**
 * One layer of the build as shell lines, for --dry-run: the same argv the build runs (unpack,
 * mounts, chroot set-up, the steps' own actions, clean-up, manifest, size, pack).
 */
export function renderLayer(plan: BuildPlan, layer: LayerPlan, workDir: WorkDir): string[] {
  const name = layer.layer.name;
  const dir = workDir.layer(name);
  const upper = join(dir, 'upper');
  const lowers = layer.ancestors.map((a) => ({ extent: a, at: workDir.lower(a.name) }));
  const root = lowers.length ? join(dir, 'merged') : upper;
  const lowerDirs = lowers.map((l) => l.at).reverse();
  const lowerView = lowers.length > 1 ? join(dir, 'lower-view') : lowerDirs[0];
  const state = join(dir, 'dry-run');
  return [
    `# layer ${name} (${layer.compression.algorithm}, block ${layer.compression.blockSize ?? 'default'})`,
    sh(['mkdir', '-p', dir, state]),
    sh(unsquashfsArgv(plan.input, upper, layer.extent.offset)),
    ...lowers.flatMap((l) => [sh(['mkdir', '-p', l.at]), sh(mountArgv(layerMount(l.extent, l.at)))]),
    ...(lowers.length
      ? [
          sh(['mkdir', '-p', root, join(dir, 'work')]),
          sh(mountArgv(overlayMount(root, lowerDirs, { upper, work: join(dir, 'work') }))),
        ]
      : []),
    ...(lowers.length > 1
      ? [
          sh(['mkdir', '-p', lowerView as string]),
          sh(mountArgv(overlayMount(lowerView as string, lowerDirs))),
        ]
      : []),
    ...saveStates(upper, state),
    ...renderCopyUpBefore(upper, state),
    ...openChroot(root, state),
    ...layer.recipe.steps.flatMap((step) => {
      const { definition, params } = stepOf(step);
      return [`# step: ${definition.describe(params)}`, ...renderStepPlan(definition.plan(params), root)];
    }),
    ...renderStepPlan({ actions: [{ kind: 'chroot', argv: APT_CLEAN }] }, root),
    ...renderManifest(layer, root, lowerView, workDir),
    ...closeChroot(root, state),
    ...(lowers.length ? [sh(umountArgv(root))] : []),
    ...cleanUpper(upper, state),
    // The build's copy-up clean-up reads the layers below: before they are unmounted.
    ...renderCopyUpCleanup(upper, lowerView, state),
    ...[...lowers.map((l) => l.at), ...(lowers.length > 1 ? [lowerView as string] : [])]
      .reverse()
      .map((target) => sh(umountArgv(target))),
    sh(['mkdir', '-p', join(workDir.newFile(layer.isoPaths.squashfs), '..')]),
    `du -sx --block-size=1 ${q(upper)} | cut -f1 > ${q(workDir.newFile(layer.isoPaths.size))}`,
    ...(layer.repack === 'reuse'
      ? [
          '# block reuse: the build unpacks nothing (the layer itself is the top lowerdir, the upper dir holds only the',
          "# changes) and copies the unchanged files' blocks; a script cannot, so it unpacks and packs everything (the same content)",
        ]
      : []),
    sh(mksquashfsArgv(upper, workDir.newFile(layer.isoPaths.squashfs), layer.compression)),
  ];
}

/** RESTORED_FILES as the layer had them, and the list of files before the steps ran. */
function saveStates(upper: string, state: string): string[] {
  return [
    ...RESTORED_FILES.map(
      (path) =>
        `if [ -e ${q(upper + path)} ] || [ -L ${q(upper + path)} ]; then mkdir -p ${q(join(state, 'saved', path, '..'))} && cp -a ${q(upper + path)} ${q(join(state, 'saved', path))}; fi`,
    ),
    `(cd ${q(upper)} && find . ! -type d | sed 's/^\\.//' | LC_ALL=C sort) > ${q(join(state, 'before'))}`,
  ];
}

function openChroot(root: string, state: string): string[] {
  const policy = q(root + POLICY_RC_D);
  return [
    ...CHROOT_MOUNTS.flatMap(({ path, ...request }) => [
      sh(['mkdir', '-p', root + path]),
      sh(mountArgv({ ...request, target: root + path })),
    ]),
    `rm -f ${q(`${root}/etc/resolv.conf`)} && cp /etc/resolv.conf ${q(`${root}/etc/resolv.conf`)}`,
    `if [ ! -e ${policy} ] && [ ! -L ${policy} ]; then printf '%s' ${q(POLICY_RC_D_SCRIPT)} > ${policy} && chmod 755 ${policy} && touch ${q(join(state, 'policy-created'))}; fi`,
  ];
}

function closeChroot(root: string, state: string): string[] {
  return [
    `if [ -e ${q(join(state, 'policy-created'))} ]; then rm -f ${q(root + POLICY_RC_D)}; fi`,
    ...[...CHROOT_MOUNTS].reverse().map(({ path }) => sh(umountArgv(root + path))),
  ];
}

/** New files where a build leaves traces (TRANSIENT) are deleted; RESTORED_FILES put back. */
function cleanUpper(upper: string, state: string): string[] {
  const pattern = TRANSIENT.map((regex) => regex.source).join('|');
  return [
    `(cd ${q(upper)} && find . ! -type d | sed 's/^\\.//' | LC_ALL=C sort) > ${q(join(state, 'after'))}`,
    `LC_ALL=C comm -13 ${q(join(state, 'before'))} ${q(join(state, 'after'))} | grep -E ${q(pattern)} | while IFS= read -r f; do rm -f ${q(upper)}"$f"; done`,
    ...RESTORED_FILES.map(
      (path) =>
        `rm -f ${q(upper + path)}; if [ -e ${q(join(state, 'saved', path))} ] || [ -L ${q(join(state, 'saved', path))} ]; then cp -a ${q(join(state, 'saved', path))} ${q(upper + path)}; fi`,
    ),
  ];
}

/** The packages sidecar: the full dpkg-query list (a base layer) or what it adds over the layers below. */
function renderManifest(
  layer: LayerPlan,
  root: string,
  lowerView: string | undefined,
  workDir: WorkDir,
): string[] {
  if (!layer.layer.manifest) return [];
  const out = q(workDir.newFile(layer.isoPaths.packages));
  const list = (dir: string) => `dpkg-query --admindir=${q(`${dir}/var/lib/dpkg`)} -W | LC_ALL=C sort`;
  const full = `${list(root)} > ${out}.full`;
  if (!lowerView)
    return [
      sh(['mkdir', '-p', join(workDir.newFile(layer.isoPaths.packages), '..')]),
      full,
      `mv ${out}.full ${out}`,
    ];
  return [
    sh(['mkdir', '-p', join(workDir.newFile(layer.isoPaths.packages), '..')]),
    full,
    `${list(lowerView)} > ${out}.lower`,
    `grep -vxF -f ${out}.lower ${out}.full > ${out} || true`,
    `rm -f ${out}.full ${out}.lower`,
  ];
}
