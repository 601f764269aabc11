import { chmod, copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureSampleIso } from '../../support/sample.ts';
import { readProcessesWorkingIn } from '../../../src/safety/processes.ts';
import { WORKER_PROGRAMS } from '../../../src/tools/programs.ts';
import { drive, makeScene, type Driven, type Scene } from './driver.ts';
import { findmntPointsAtOrBelow } from './findmnt.ts';
import { outcomeOf, sha256, type RunOutcome } from './measure.ts';

/** A scene for real builds: the sample ISO as input, a recipe folder, an output folder. */
export interface BuildScene extends Scene {
  recipeDir: string;
  recipe: string;
  out: string;
}

export const BIN = resolve('bin/isoforge');
export const SIGNAL_WRAPPER = resolve('test/reliability/fixtures/signal-wrapper.sh');
export const LAYER = 'ubuntu-server-minimal.ubuntu-server';
/** The sample's base layer: a full repack of it packs the overlay's merged view. */
export const BASE_LAYER = 'ubuntu-server-minimal';

export async function makeBuildScene(): Promise<BuildScene> {
  const scene = await makeScene();
  const sample = await ensureSampleIso();
  await copyFile(sample, scene.inputFile);
  const recipeDir = join(scene.dir, 'recipe');
  await mkdir(join(recipeDir, 'files'), { recursive: true });
  await writeFile(join(recipeDir, 'files', 'oem.conf'), 'from the recipe\n');
  return {
    ...scene,
    inputSha256: await sha256(scene.inputFile),
    // The cached sample is never written (tests share it read-only): it is the pristine copy.
    pristineInput: sample,
    recipeDir,
    recipe: join(recipeDir, 'recipe.yaml'),
    out: join(scene.outDir, 'out.iso'),
  };
}

/**
 * Writes the recipe for LAYER: a copy step, then STEPS (YAML list items, already indented by 6);
 * REPACK the layer's repack way (block reuse, the default, or a full mksquashfs: of the unpacked
 * layer for LAYER, of the merged view for the base layer).
 */
export async function writeRecipe(
  scene: BuildScene,
  script: string,
  extraSteps = '',
  repack: 'reuse' | 'full' = 'reuse',
  layer = LAYER,
): Promise<void> {
  const indented = script
    .split('\n')
    .map((line) => `          ${line}`)
    .join('\n');
  await writeFile(
    scene.recipe,
    [
      `input: ${scene.inputFile}`,
      `output: ${scene.out}`,
      'layers:',
      `  ${layer}:`,
      `    repack: ${repack}`,
      '    steps:',
      extraSteps,
      '      - copy: { src: files/oem.conf, dest: /etc/oem.conf }',
      '      - run: |',
      indented,
      '',
    ]
      .filter((line) => line !== '')
      .join('\n') + '\n',
  );
}

export function build(scene: BuildScene, env: Record<string, string> = {}, workDir = scene.work): Driven {
  return drive([BIN, 'build', scene.recipe, '--workdir', workDir], env);
}

/** PATH with PROGRAM wrapped: its AT-th call signals the build with SIGNAL, then runs for real. */
export async function signalPath(scene: Scene, program: string, at: number, signal: string) {
  const bin = join(scene.dir, 'signal-bin');
  await mkdir(bin, { recursive: true });
  await symlink(SIGNAL_WRAPPER, join(bin, program)).catch(() => undefined);
  await chmod(SIGNAL_WRAPPER, 0o755);
  return {
    PATH: `${bin}:${process.env.PATH}`,
    FAULT_DIR: scene.dir,
    FAULT_PROGRAM: program,
    FAULT_AT: String(at),
    FAULT_SIGNAL: signal,
  };
}

/** Outputs a build left: the final file and any temporaries next to it. */
/** What a finished build leaves in the output folder: the ISO and its report (HTML and data), together. */
export const FINISHED_OUTPUT = ['out.iso', 'out.report.html', 'out.report.json'];

export async function outputsLeft(scene: BuildScene): Promise<string[]> {
  return (await readdir(scene.outDir)).sort();
}

/** Runs a build to its end and reads how it ended. */
export async function buildOutcome(run: Driven): Promise<RunOutcome> {
  return outcomeOf(run, 'build');
}

/**
 * What a build left: mount points at or below the work dir as findmnt(8) lists them (each once,
 * deepest first, the order in which a build names the leftovers it undid), worker processes.
 */
export async function buildLeftovers(scene: BuildScene, workDir = scene.work) {
  return {
    mounts: await findmntPointsAtOrBelow(workDir),
    processes: await readProcessesWorkingIn(workDir, WORKER_PROGRAMS),
  };
}
