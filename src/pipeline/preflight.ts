import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkPredictedShadowing } from '../layer/shadowing.ts';
import { checkReportPath } from '../report/build-report.ts';
import { recoverMounts } from '../rootfs/mounts.ts';
import { type PendingOutput, prepareOutput } from '../safety/atomic.ts';
import { acquireWorkLock } from '../safety/lock.ts';
import { enterRootlessMode } from '../rootless/namespace.ts';
import { readPrivileges } from '../safety/privileges.ts';
import { checkRemovable } from '../safety/remove.ts';
import {
  checkFreeSpace,
  describeEstimate,
  estimateBuildSpace,
  estimateUnpackedBytes,
} from '../safety/space.ts';
import { runRemoveTree } from '../tools/coreutils.ts';
import { openLogFile } from '../ui/log.ts';
import type { BuildOptions } from './config.ts';
import type { BuildPlan } from './plan.ts';
import {
  checkBuildTools,
  checkLayerPrivileges,
  checkRootlessRepack,
  checkStepInputs,
  checkTerminalSteps,
} from './tools.ts';
import type { WorkDir } from './work-dir.ts';

/**
 * What a build checks before any work, so that a bad recipe or machine leaves nothing behind: the
 * plan's notices said, then privileges, tools, a terminal for shell steps (not for a dry run, which
 * runs nothing), the files steps read, the report's folder, and changes a layer above would hide.
 */
export async function checkBeforeWork(plan: BuildPlan, options: BuildOptions): Promise<void> {
  // Decided before anything is said or written: an ordinary user's build runs again in rootless mode.
  if (!options.dryRun && plan.layers.length) await enterRootlessMode();
  for (const notice of plan.medium.notices) options.onNotice?.(notice);
  if (plan.writeSetup.changes.length)
    options.onNotice?.(`boot setup: ${plan.writeSetup.changes.join(', ')} (standardBootSetup)`);
  if (!options.dryRun) checkLayerPrivileges(plan, readPrivileges());
  checkRootlessRepack(plan);
  if (!options.dryRun) await checkBuildTools(plan);
  if (!options.dryRun) checkTerminalSteps(plan, Boolean(process.stdin.isTTY));
  await checkStepInputs(plan);
  await checkReportPath(options.reportPath);
  await checkPredictedShadowing(plan.layers, options.signal);
}

/** The work directory locked, the mounts a killed run left undone, the build log opened. */
export async function lockWorkDir(workDir: WorkDir, options: BuildOptions): Promise<AsyncDisposable> {
  await mkdir(workDir.root, { recursive: true });
  const lock = await acquireWorkLock(workDir.root, {
    onMessage: (line: string) => options.onNotice?.(line),
  });
  const leftovers = await recoverMounts(workDir.root);
  if (leftovers.length)
    options.onNotice?.(`undid ${leftovers.length} mounts a killed run left: ${leftovers.join(', ')}`);
  openLogFile(workDir.log);
  return lock;
}

/** The output's temporary name, beside it; published by commit, removed on dispose otherwise. */
export async function prepareBuildOutput(plan: BuildPlan, options: BuildOptions): Promise<PendingOutput> {
  await mkdir(dirname(plan.output), { recursive: true });
  return prepareOutput(plan.output, { force: options.force, signal: options.signal });
}

/** Refuses a build the work directory's file system has no room for, before any work. */
export async function checkBuildSpace(plan: BuildPlan, workDir: WorkDir): Promise<void> {
  const estimate = estimateBuildSpace({
    layers: plan.layers.map((l) => ({
      name: l.layer.name,
      unpackedBytes: estimateUnpackedBytes({
        recordedSize: l.layer.recordedSize ?? undefined,
        superblock: l.layer.superblock ?? undefined,
      }),
      squashfsBytes: l.layer.sizeBytes,
    })),
    isoBytes: plan.original.sizeBytes,
  });
  await checkFreeSpace(workDir.root, estimate.totalBytes, describeEstimate(estimate));
}

/** The work dir's scratch emptied now, and again when disposed unless KEEP (--keep-workdir). */
export async function openScratch(workDir: WorkDir, keep: boolean): Promise<AsyncDisposable> {
  await removeScratch(workDir);
  return { [Symbol.asyncDispose]: () => (keep ? Promise.resolve() : removeScratch(workDir)) };
}

/** The unpacked layers and new files of a build; the log and lock stay. Never through a mount. */
async function removeScratch(workDir: WorkDir): Promise<void> {
  for (const path of workDir.scratch) {
    const checked = await checkRemovable(path, { within: workDir.root });
    if (checked) await runRemoveTree(checked.target);
  }
}
