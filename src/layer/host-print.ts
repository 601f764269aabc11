import { dirname, join } from 'node:path';
import type { MountRequest } from '../rootfs/mounts.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import { POLICY_RC_D, POLICY_RC_D_SCRIPT } from '../rootfs/session.ts';
import type { TreeSnapshot } from '../rootfs/snapshot.ts';
import { renderStepPlan, SESSION_VARIABLES } from '../steps/render.ts';
import { describeStep, type RecipeStep, stepOf } from '../steps/registry.ts';
import { mountArgv, umountArgv } from '../tools/mount.ts';
import { mksquashfsArgv, type SquashfsCompression, unsquashfsArgv } from '../tools/squashfs.ts';
import { quoteShellArg as q, renderCommand as sh } from '../ui/shell.ts';
import { RESTORED_FILES, type SavedStates, TRANSIENT_PATTERN } from './cleanup.ts';
import { LOCK_FILES } from './copy-up.ts';
import type { ChrootHost, CopyUpLowers, EndedStepProcess, LayerHost } from './host.ts';
import type { LayerPlan } from './plan.ts';

/**
 * LayerHost that prints: each call adds the shell lines that do what the executing host does
 * (host-exec.ts), for `build --dry-run`. What the build computes from the trees (which files are
 * leftovers, which folders were only copied up) the script finds with find, comm and stat, from
 * state files it keeps in STATE.
 */
export class PrintingHost implements LayerHost {
  readonly lines: string[] = [];
  private readonly mounted: string[] = [];

  constructor(
    private readonly state: string,
    private readonly packageLists: string,
  ) {
    this.lines.push(sh(['mkdir', '-p', state]));
  }

  async mkdir(path: string): Promise<void> {
    this.lines.push(sh(['mkdir', '-p', path]));
  }

  async unpack(layer: LayerExtent, dir: string): Promise<void> {
    this.lines.push(sh(unsquashfsArgv(layer.file, dir, layer.offset)));
  }

  async mount(request: MountRequest): Promise<void> {
    this.lines.push(sh(mountArgv(request)));
    this.mounted.push(request.target);
  }

  async unmount(target: string): Promise<void> {
    const at = this.mounted.lastIndexOf(target);
    if (at < 0) throw new Error(`dry-run: ${target} was never mounted`);
    this.mounted.splice(at, 1);
    this.lines.push(sh(umountArgv(target)));
  }

  async unmountAll(): Promise<void> {
    for (const target of this.mounted.splice(0).reverse()) this.lines.push(sh(umountArgv(target)));
  }

  async openChroot(root: string): Promise<ChrootHost> {
    const policy = q(root + POLICY_RC_D);
    const created = q(join(this.state, 'policy-created'));
    const hostname = q(`${root}/etc/hostname`);
    const open = [
      // The image's host name, as rootfs/sandbox.ts readImageHostname takes it.
      `${SESSION_VARIABLES.hostname}=$(head -n1 ${hostname} 2>/dev/null | grep -Ex '[A-Za-z0-9][A-Za-z0-9.-]{0,62}') || ${SESSION_VARIABLES.hostname}=localhost`,
      // The /run every command of the session shares (rootfs/session.ts).
      `${SESSION_VARIABLES.run}=$(mktemp -d ${q(join(this.state, 'sandbox-run-XXXXXX'))})`,
      `rm -f ${q(`${root}/etc/resolv.conf`)} && cp /etc/resolv.conf ${q(`${root}/etc/resolv.conf`)}`,
      `if [ ! -e ${policy} ] && [ ! -L ${policy} ]; then printf '%s' ${q(POLICY_RC_D_SCRIPT)} > ${policy} && chmod 755 ${policy} && touch ${created}; fi`,
    ];
    const close = [`if [ -e ${created} ]; then rm -f ${policy}; fi`, `rm -rf "$${SESSION_VARIABLES.run}"`];
    return new PrintingChroot(root, this.lines, { open, close });
  }

  /** The list of UPPER's files and of its folders, in STATE/LABEL and STATE/LABEL-dirs. */
  async snapshot(upper: string, label: 'before' | 'after'): Promise<TreeSnapshot> {
    const list = (type: string, file: string) =>
      `(cd ${q(upper)} && find . ${type} | sed 's/^\\.//' | LC_ALL=C sort) > ${q(join(this.state, file))}`;
    this.lines.push(list('! -type d', label), list('-type d', `${label}-dirs`));
    return new Map();
  }

  async saveStates(upper: string): Promise<SavedStates> {
    const saved = (path: string) => q(join(this.state, 'saved', path));
    this.lines.push(
      ...RESTORED_FILES.map(
        (path) =>
          `if [ -e ${q(upper + path)} ] || [ -L ${q(upper + path)} ]; then mkdir -p ${q(join(this.state, 'saved', path, '..'))} && cp -a ${q(upper + path)} ${saved(path)}; fi`,
      ),
      ...renderLockTimesKept(upper, this.state),
    );
    return new Map();
  }

  async cleanUpper(upper: string): Promise<string[]> {
    const saved = (path: string) => q(join(this.state, 'saved', path));
    this.lines.push(
      `LC_ALL=C comm -13 ${q(join(this.state, 'before'))} ${q(join(this.state, 'after'))} | grep -E ${q(TRANSIENT_PATTERN)} | while IFS= read -r f; do rm -f ${q(upper)}"$f"; done`,
      ...RESTORED_FILES.map(
        (path) =>
          `rm -f ${q(upper + path)}; if [ -e ${saved(path)} ] || [ -L ${saved(path)} ]; then cp -a ${saved(path)} ${q(upper + path)}; fi`,
      ),
    );
    return [];
  }

  async removeCopiedUp(upper: string, tree: CopyUpLowers) {
    this.lines.push(...renderLockTimesRestored(upper, this.state));
    if (tree.lowerView) this.lines.push(renderCopiedUpRemoval(upper, tree.lowerView, this.state));
    return { removed: [], restored: [] };
  }

  /** The packages sidecar: the full dpkg-query list (a base layer) or what it adds over the layers below. */
  async readManifest(layer: LayerPlan, root: string, lowerView: string | undefined): Promise<string> {
    if (!layer.layer.manifest) return '';
    const out = q(this.packageLists);
    const list = (dir: string) => `dpkg-query --admindir=${q(`${dir}/var/lib/dpkg`)} -W | LC_ALL=C sort`;
    this.lines.push(sh(['mkdir', '-p', dirname(this.packageLists)]), `${list(root)} > ${out}.full`);
    if (!layer.ancestors.length || !lowerView) this.lines.push(`mv ${out}.full ${out}`);
    else
      this.lines.push(
        `${list(lowerView)} > ${out}.lower`,
        `grep -vxF -f ${out}.lower ${out}.full > ${out} || true`,
        `rm -f ${out}.full ${out}.lower`,
      );
    return '';
  }

  async hasLiveBootScripts(): Promise<boolean> {
    return false;
  }

  async findShadowed(layer: LayerPlan) {
    if (layer.above.length)
      this.note(`the build checks here that ${layer.above.map((a) => a.name).join(', ')} hide no change`);
    return [];
  }

  async measureSize(upper: string, sidecar: string): Promise<number> {
    this.lines.push(
      sh(['mkdir', '-p', dirname(sidecar)]),
      `du -sx --block-size=1 ${q(upper)} | cut -f1 > ${q(sidecar)}`,
    );
    return 0;
  }

  async pack(dir: string, out: string, compression: SquashfsCompression): Promise<number> {
    this.lines.push(sh(['mkdir', '-p', dirname(out)]), sh(mksquashfsArgv(dir, out, compression)));
    return 0;
  }

  note(line: string): void {
    this.lines.push(`# ${line}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.unmountAll();
  }
}

/** A chroot's commands as lines; its session's set-up printed before the first step that runs a program, undone on dispose. */
class PrintingChroot implements ChrootHost {
  private opened = false;

  constructor(
    private readonly root: string,
    private readonly lines: string[],
    private readonly session: { open: string[]; close: string[] },
  ) {}

  async runStep(step: RecipeStep): Promise<EndedStepProcess[]> {
    const { definition, params } = stepOf(step);
    const plan = definition.plan(params);
    const runsPrograms = [...plan.actions, ...(plan.cleanup ?? [])].some(
      (action) => action.kind === 'program' || action.kind === 'interactive',
    );
    if (runsPrograms && !this.opened) this.lines.push(...this.session.open);
    this.opened ||= runsPrograms;
    this.lines.push(`# step: ${describeStep(step)}`, ...renderStepPlan(plan, this.root, step.network));
    return [];
  }

  async runIfOpened(argv: readonly string[]): Promise<void> {
    if (this.opened)
      this.lines.push(...renderStepPlan({ actions: [{ kind: 'program', argv: [...argv] }] }, this.root));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.opened) this.lines.push(...this.session.close);
  }
}

/** Each lock file's mtime kept on a reference file in STATE, before the chroot touches it. */
function renderLockTimesKept(upper: string, state: string): string[] {
  return LOCK_FILES.map(
    (path, i) =>
      `if [ -f ${q(upper + path)} ]; then touch -r ${q(upper + path)} ${q(join(state, `lock-${i}`))}; fi`,
  );
}

function renderLockTimesRestored(upper: string, state: string): string[] {
  return LOCK_FILES.map(
    (path, i) =>
      `if [ -f ${q(join(state, `lock-${i}`))} ] && [ -f ${q(upper + path)} ]; then touch -r ${q(join(state, `lock-${i}`))} ${q(upper + path)}; fi`,
  );
}

/**
 * copy-up.ts's rule, while LOWERVIEW (the layers below, merged, read-only) is mounted: each new,
 * empty, not opaque folder of UPPER removed, children first, when LOWERVIEW has it with the same
 * mode and owner (in TRANSIENT places: any folder or none). The chroot's mount points are left
 * alone, as the build's snapshot skips them.
 */
function renderCopiedUpRemoval(upper: string, lowerView: string, state: string): string {
  const attributes = (path: string) => `"$(stat -c '%a %u %g' ${path})"`;
  return [
    `LC_ALL=C comm -13 ${q(join(state, 'before-dirs'))} ${q(join(state, 'after-dirs'))} | grep -Ev '^/(proc|sys|dev|run)(/|$)' | LC_ALL=C sort -r | while IFS= read -r d; do`,
    `u=${q(upper)}"$d"; l=${q(lowerView)}"$d";`,
    `[ -z "$(ls -A "$u")" ] || continue;`,
    `if [ -d "$l" ] && [ ! -L "$l" ] && [ ${attributes('"$u"')} = ${attributes('"$l"')} ]; then :;`,
    `elif printf '%s\\n' "$d" | grep -Eq ${q(TRANSIENT_PATTERN)} && { [ -d "$l" ] || [ ! -e "$l" ]; } && [ ! -L "$l" ]; then :;`,
    'else continue; fi;',
    `getfattr --absolute-names --no-dereference -m - -- "$u" | grep -qx trusted.overlay.opaque && continue;`,
    'rmdir "$u"; done',
  ].join(' ');
}
