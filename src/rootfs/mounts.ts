import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetyError } from '../errors.ts';
import { isAtOrBelow, mountsAtOrBelow } from '../safety/mountinfo.ts';
import { runCommand } from '../tools/exec.ts';
import { log } from '../ui/log.ts';

export interface MountRequest {
  source: string;
  target: string;
  fstype?: string;
  options?: string[];
  bind?: boolean;
  recursive?: boolean;
  readOnly?: boolean;
}

const JOURNAL = '.isoforge/mounts.json';

/**
 * Every mount isoforge makes goes through a MountStack: it only mounts inside its work
 * directory, journals each mount before making it (so a SIGKILLed run can be cleaned up),
 * and undoes them in reverse order however the work ends.
 */
export class MountStack implements AsyncDisposable {
  private readonly targets: string[] = [];

  private constructor(private readonly workDir: string) {}

  static async open(workDir: string): Promise<MountStack> {
    await mkdir(join(workDir, '.isoforge'), { recursive: true });
    return new MountStack(await realpath(workDir));
  }

  async mount(request: MountRequest): Promise<void> {
    const target = await realpath(request.target);
    if (!isAtOrBelow(target, this.workDir) || target === this.workDir) {
      throw new SafetyError(
        `refusing to mount on ${target}: it is not inside the work directory ${this.workDir}`,
      );
    }
    this.targets.push(target);
    await this.writeJournal();
    try {
      await runCommand(['mount', ...mountArguments(request), request.source, target]);
    } catch (error) {
      this.targets.pop();
      await this.writeJournal();
      throw error;
    }
  }

  /** Unmounts everything this stack mounted, newest first; safe to call twice. */
  async unmountAll(): Promise<void> {
    const failures: string[] = [];
    while (this.targets.length) {
      const target = this.targets[this.targets.length - 1] ?? '';
      try {
        await unmountTree(target);
      } catch (error) {
        failures.push(`${target}: ${(error as Error).message}`);
      }
      this.targets.pop();
    }
    await this.writeJournal();
    if (failures.length) throw new SafetyError(`could not unmount: ${failures.join('; ')}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.unmountAll();
  }

  private async writeJournal(): Promise<void> {
    await writeFile(join(this.workDir, JOURNAL), JSON.stringify({ pid: process.pid, mounts: this.targets }));
  }
}

function mountArguments(request: MountRequest): string[] {
  const args: string[] = [];
  if (request.bind) args.push(request.recursive ? '--rbind' : '--bind');
  if (request.fstype) args.push('-t', request.fstype);
  const options = [...(request.options ?? []), ...(request.readOnly ? ['ro'] : [])];
  if (options.length) args.push('-o', options.join(','));
  return args;
}

/** Unmounts TARGET and anything mounted below it, deepest first, lazily when a plain umount fails. */
export async function unmountTree(target: string): Promise<void> {
  for (const point of await mountsAtOrBelow(target)) {
    try {
      await runCommand(['umount', point]);
    } catch (error) {
      log.warn({ point, err: error }, 'umount failed; detaching lazily');
      await runCommand(['umount', '-l', point]);
    }
  }
  const left = await mountsAtOrBelow(target);
  if (left.length) throw new SafetyError(`still mounted after unmount: ${left.join(', ')}`);
}

/** Undoes the mounts a killed run left under WORKDIR (journal or not), innermost first. */
export async function recoverMounts(workDir: string): Promise<string[]> {
  const root = await realpath(workDir).catch(() => workDir);
  const leftovers = await mountsAtOrBelow(root);
  for (const point of leftovers) await unmountTree(point);
  await writeFile(join(root, JOURNAL), JSON.stringify({ pid: process.pid, mounts: [] })).catch(
    () => undefined,
  );
  return leftovers;
}

export async function readMountJournal(workDir: string): Promise<string[]> {
  try {
    return (JSON.parse(await readFile(join(workDir, JOURNAL), 'utf8')) as { mounts: string[] }).mounts;
  } catch {
    return [];
  }
}
