import { lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeFullManifest, makeManifestDelta } from '../distro/casper-meta.ts';
import { MountStack, type MountRequest } from '../rootfs/mounts.ts';
import { type LayerExtent, mountLayer } from '../rootfs/overlay.ts';
import { SandboxSession } from '../rootfs/session.ts';
import { readTreeSnapshot } from '../rootfs/snapshot.ts';
import { executeStepPlan } from '../steps/execute.ts';
import { describeStep, type RecipeStep, stepOf } from '../steps/registry.ts';
import { runDuBytes } from '../tools/coreutils.ts';
import { runDpkgQueryList } from '../tools/dpkg.ts';
import { runMksquashfs, runUnsquashfs, type SquashfsCompression } from '../tools/squashfs.ts';
import { hasLiveBootScripts } from './boot-files.ts';
import { cleanUpper, saveUpperStates } from './cleanup.ts';
import { removeCopiedUpLeftovers } from './copy-up.ts';
import type { ChrootHost, CopyUpLowers, EndedStepProcess, LayerHost, TreeChange } from './host.ts';
import type { LayerPlan } from './plan.ts';
import type { CustomizeContext } from './workspace.ts';

/** What the executing host needs beyond the harness's own arguments: the build's context, in part. */
export type ExecutingHostContext = Pick<
  CustomizeContext,
  'workDir' | 'layout' | 'recipeDir' | 'signal' | 'term' | 'say' | 'progress' | 'sourceDateEpoch'
>;

/** The chroot's own mounts: never part of a layer's changes. */
const SNAPSHOT_SKIP = ['/proc', '/sys', '/dev', '/run'];

/** LayerHost that does the work: every mount through one MountStack, every program through tools/. */
export class ExecutingHost implements LayerHost {
  private constructor(
    readonly mounts: MountStack,
    private readonly context: ExecutingHostContext,
  ) {}

  static async open(context: ExecutingHostContext): Promise<ExecutingHost> {
    return new ExecutingHost(await MountStack.open(context.workDir.root), context);
  }

  async mkdir(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async unpack(layer: LayerExtent, dir: string): Promise<void> {
    const { signal, progress } = this.context;
    await runUnsquashfs(layer.file, dir, { offset: layer.offset, signal, onProgress: progress });
  }

  mount(request: MountRequest): Promise<void> {
    return this.mounts.mount(request);
  }

  unmount(target: string): Promise<void> {
    return this.mounts.unmountNewest(target);
  }

  unmountAll(): Promise<void> {
    return this.mounts.unmountAll();
  }

  async openChroot(root: string): Promise<ChrootHost> {
    return new ExecutingChroot(root, this.context);
  }

  snapshot(tree: string) {
    return readTreeSnapshot(tree, SNAPSHOT_SKIP);
  }

  saveStates(upper: string) {
    return saveUpperStates(upper);
  }

  cleanUpper(upper: string, tree: TreeChange): Promise<string[]> {
    return cleanUpper(upper, tree.before, tree.after, tree.states);
  }

  removeCopiedUp(upper: string, tree: TreeChange & CopyUpLowers) {
    return removeCopiedUpLeftovers(upper, tree.before, tree.after, tree.ancestors);
  }

  async readManifest(layer: LayerPlan, root: string, lowerView: string | undefined): Promise<string> {
    const full = await this.readPackageList(root);
    if (!layer.ancestors.length) return full;
    return makeManifestDelta(lowerView ? await this.readPackageList(lowerView) : '', full);
  }

  hasLiveBootScripts(root: string): Promise<boolean> {
    return hasLiveBootScripts(root, this.context.layout);
  }

  async findShadowed(layer: LayerPlan, changed: readonly string[]) {
    const shadowed: { path: string; layer: string }[] = [];
    for (const above of layer.above) {
      const mountPoint = this.context.workDir.above(above.name);
      await mountLayer(this.mounts, above, mountPoint);
      for (const path of changed) {
        const info = await lstat(join(mountPoint, path)).catch(() => undefined);
        if (info && !info.isDirectory()) shadowed.push({ path, layer: above.name });
      }
    }
    await this.mounts.unmountAll();
    return shadowed;
  }

  measureSize(upper: string): Promise<number> {
    return runDuBytes(upper, this.context.signal);
  }

  async pack(dir: string, out: string, compression: SquashfsCompression): Promise<number> {
    const { signal, progress, sourceDateEpoch } = this.context;
    await mkdir(dirname(out), { recursive: true });
    await runMksquashfs(dir, out, compression, { signal, onProgress: progress, sourceDateEpoch });
    return (await stat(out)).size;
  }

  note(line: string): void {
    this.context.say(line);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.mounts.unmountAll();
  }

  private async readPackageList(root: string): Promise<string> {
    const status = await lstat(join(root, 'var/lib/dpkg/status')).catch(() => undefined);
    return status ? makeFullManifest(await runDpkgQueryList(root, this.context.signal)) : '';
  }
}

/** The steps, run: each step's actions through executeStepPlan; the session opened when first needed, undone on dispose. */
class ExecutingChroot implements ChrootHost {
  private session: Promise<SandboxSession> | undefined;

  constructor(
    private readonly root: string,
    private readonly context: ExecutingHostContext,
  ) {}

  async runStep(step: RecipeStep): Promise<EndedStepProcess[]> {
    const { context, root } = this;
    const described = describeStep(step);
    context.say(`step: ${described}`);
    const { definition, params } = stepOf(step);
    const { recipeDir, signal, term, say } = context;
    const session = () => this.open();
    const network = step.network;
    await executeStepPlan(definition.plan(params), { session, root, recipeDir, signal, term, say, network });
    const ended = this.session ? (await this.session).takeEnded() : [];
    for (const { pid, command } of ended)
      say(`${command} (pid ${pid} in the sandbox) was left running by the step: ended with its sandbox`);
    return ended.map((process) => ({ ...process, step: described }));
  }

  async runIfOpened(argv: readonly string[]): Promise<void> {
    const { signal, say } = this.context;
    if (this.session) await (await this.session).run(argv, { signal, onLine: say });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const session = await this.session?.catch(() => undefined);
    await session?.[Symbol.asyncDispose]();
  }

  private open(): Promise<SandboxSession> {
    this.session ??= SandboxSession.open(this.root, this.context.workDir.root, {
      aptArchives: this.context.workDir.aptArchives,
    });
    return this.session;
  }
}
