import type { EndedProcess } from '../rootfs/sandbox.ts';
import type { MountRequest } from '../rootfs/mounts.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import type { TreeSnapshot } from '../rootfs/snapshot.ts';
import type { RecipeStep } from '../steps/registry.ts';
import type { SquashfsCompression } from '../tools/squashfs.ts';
import type { SavedStates } from './cleanup.ts';
import type { LayerPlan } from './plan.ts';

/**
 * What a layer's harness (harness.ts) does to the machine, behind one interface: host-exec.ts does
 * it, host-print.ts prints it as the shell lines of `build --dry-run`. The harness is then written
 * once, and the script and the build cannot drift apart. A printing host has nothing to read, so
 * what it returns is empty: the harness only hands those values back to the host.
 */
export interface LayerHost extends AsyncDisposable {
  mkdir(path: string): Promise<void>;
  /** Unsquashfs LAYER (xattrs kept, so whiteouts survive) into DIR. */
  unpack(layer: LayerExtent, dir: string): Promise<void>;
  mount(request: MountRequest): Promise<void>;
  /** Unmounts TARGET, the newest mount still made. */
  unmount(target: string): Promise<void>;
  unmountAll(): Promise<void>;
  /**
   * The steps on ROOT: their session (the host's DNS, no services; each program in a sandbox of
   * its own, rootfs/sandbox.ts) is set up on the first step that runs a program, not for file steps.
   */
  openChroot(root: string): Promise<ChrootHost>;
  /** The state of every entry below TREE, kept under LABEL. */
  snapshot(tree: string, label: 'before' | 'after'): Promise<TreeSnapshot>;
  /** The files the build puts back (RESTORED_FILES, lock file times), as the layer has them before the steps. */
  saveStates(upper: string): Promise<SavedStates>;
  /** The build's own traces removed from UPPER (cleanup.ts); the files it must not change put back. */
  cleanUpper(upper: string, tree: TreeChange): Promise<string[]>;
  /** Folders overlayfs only copied up removed, lock file times put back (copy-up.ts); needs LOWERVIEW mounted. */
  removeCopiedUp(
    upper: string,
    tree: TreeChange & CopyUpLowers,
  ): Promise<{ removed: string[]; restored: string[] }>;
  /** dpkg's package list of ROOT (as a delta over LOWERVIEW for an upper layer), the layer's manifest. */
  readManifest(layer: LayerPlan, root: string, lowerView: string | undefined): Promise<string>;
  /** Whether ROOT holds the layout's initrd boot scripts (a kernel installed there can boot the medium). */
  hasLiveBootScripts(root: string): Promise<boolean>;
  /** Changed paths a layer stacked above also carries. */
  findShadowed(layer: LayerPlan, changed: readonly string[]): Promise<{ path: string; layer: string }[]>;
  /** UPPER's size on disk (the layer's `.size` sidecar). */
  measureSize(upper: string, sidecar: string): Promise<number>;
  /** mksquashfs DIR into OUT; returns the new file's size. */
  pack(dir: string, out: string, compression: SquashfsCompression): Promise<number>;
  /** A line for the user: the log of a build, a comment of the script. */
  note(line: string): void;
}

/** The two snapshots around the steps, and what saveStates kept. */
export interface TreeChange {
  before: TreeSnapshot;
  after: TreeSnapshot;
  states: SavedStates;
}

/** The layers below, as extents (read in place) and as the merged read-only view they mount to. */
export interface CopyUpLowers {
  ancestors: readonly LayerExtent[];
  lowerView: string | undefined;
}

/** A process a step left running, ended with its sandbox. */
export interface EndedStepProcess extends EndedProcess {
  step: string;
}

/** The steps' commands: a recipe step, or one command after them if a step ran a program there. */
export interface ChrootHost extends AsyncDisposable {
  /** Runs STEP; returns the processes it left running (the sandbox ended them). */
  runStep(step: RecipeStep): Promise<EndedStepProcess[]>;
  runIfOpened(argv: readonly string[]): Promise<void>;
}
