import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { InputError, MissingToolError, NeedsRootError, RecipeError } from '../errors.ts';
import { stepOf } from '../steps/registry.ts';
import { resolveRecipePath } from '../safety/confine.ts';
import { isUnpacked } from '../layer/customize.ts';
import { isRootless } from '../rootless/mode.ts';
import type { Privileges } from '../safety/privileges.ts';

import { aptPackageOf } from '../tools/programs.ts';
import { SQUASHFUSE_PROGRAM } from '../tools/mount.ts';
import type { BuildPlan } from './plan.ts';

/** The programs a build of PLAN runs: named up front so a missing one stops it before any work. */
export function parseNeededPrograms(plan: Pick<BuildPlan, 'layers' | 'sign' | 'recipeVerify'>): string[] {
  const programs = ['xorriso'];
  if (plan.layers.length) programs.push('unsquashfs', 'mksquashfs', 'mount', 'umount', 'bwrap');
  if (plan.layers.length && isRootless()) programs.push(SQUASHFUSE_PROGRAM);
  // An upper layer's cleanup reads the xattrs of the directories the session copied up.
  if (plan.layers.some((layer) => layer.ancestors.length > 0)) programs.push('getfattr');
  if (plan.sign) programs.push('gpg');
  if (plan.recipeVerify?.boot.length) programs.push('qemu-system-x86_64');
  return programs;
}

async function isOnPath(program: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const found = await access(join(dir, program), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return true;
  }
  return false;
}

/**
 * Fails with the apt package to install when a program the build needs is not on PATH. Only
 * looked up, not run: `isoforge doctor` checks versions; a build should not spawn extra processes.
 */
export async function checkBuildTools(
  plan: Pick<BuildPlan, 'layers' | 'sign' | 'recipeVerify'>,
): Promise<void> {
  const missing: string[] = [];
  for (const program of parseNeededPrograms(plan)) if (!(await isOnPath(program))) missing.push(program);
  const first = missing[0];
  if (!first) return;
  // umount comes with mount (util-linux's mount package); the rest are named in tools/programs.ts.
  const packages = [...new Set(missing.map((p) => (p === 'umount' ? 'mount' : aptPackageOf(p))))];
  throw new MissingToolError(
    first,
    packages.join(' '),
    `the build needs ${missing.join(', ')}, not found on PATH`,
  );
}

/**
 * Rootless mode cannot unpack a layer whole: unsquashfs may not write the trusted.overlay.* xattrs
 * an upper layer carries there (root of a user namespace). Refused before any work; block reuse,
 * the default, works.
 */
export function checkRootlessRepack(plan: Pick<BuildPlan, 'layers'>): void {
  if (!isRootless()) return;
  const layer = plan.layers.find((l) => isUnpacked(l));
  if (!layer) return;
  throw new RecipeError(
    `layer ${layer.layer.name} asks for repack: full, which unpacks it whole, and rootless mode cannot (unsquashfs may not write its trusted.* xattrs in a user namespace)`,
    { hint: 'drop repack: full (block reuse, the default, works rootless), or build as root' },
  );
}

/** A `shell` step needs a terminal: refused before anything is unpacked, not in the middle of the build. */
export function checkTerminalSteps(plan: Pick<BuildPlan, 'layers'>, stdinIsTty: boolean): void {
  if (stdinIsTty) return;
  const layer = plan.layers.find((l) => l.recipe.steps.some((step) => stepOf(step).definition.needsTerminal));
  if (!layer) return;
  throw new RecipeError(
    `layer ${layer.layer.name} has a shell step, which needs a terminal, and stdin is not one`,
    {
      hint: 'run the build from a terminal, or replace the shell step with a run step',
    },
  );
}

/** Every host file a step reads (copy sources, .debs) exists and stays inside the recipe folder: checked before any work. */
export async function checkStepInputs(plan: Pick<BuildPlan, 'layers' | 'recipeDir'>): Promise<void> {
  for (const layer of plan.layers) {
    for (const step of layer.recipe.steps) {
      const { definition, params } = stepOf(step);
      for (const source of definition.reads?.(params) ?? []) {
        const host = await resolveRecipePath(plan.recipeDir, source);
        const found = await stat(host).catch(() => undefined);
        if (!found) {
          throw new InputError(`${definition.name}: ${source} does not exist`, {
            hint: `put it at ${host} (paths in a recipe are relative to its folder)`,
          });
        }
      }
    }
  }
}

/**
 * A recipe that customizes layers mounts overlays: root's work (an ordinary user's build runs in
 * rootless mode, as root of a user namespace), with the right to mount, which root in an ordinary
 * container lacks. That is told in one line before anything is read beyond the plan; a
 * medium-only recipe (iso: alone) runs as any user, anywhere.
 */
export function checkLayerPrivileges(plan: Pick<BuildPlan, 'layers'>, privileges: Privileges): void {
  if (!plan.layers.length) return;
  const layers = plan.layers.map((l) => l.layer.name).join(', ');
  if (!privileges.canMount)
    throw new NeedsRootError(
      `customizing layers (${layers}) mounts squashfs, loop and overlay file systems, and this root may not mount (no CAP_SYS_ADMIN: an ordinary container)`,
      {
        hint: 'run the container with --privileged (README: Containers); a recipe with iso: changes only runs in an ordinary container',
      },
    );
}
