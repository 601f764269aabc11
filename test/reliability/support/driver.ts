import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { recoverMounts } from '../../../src/rootfs/mounts.ts';
import { readProcessesRootedIn } from '../../../src/safety/processes.ts';
import { findmntAtOrBelow } from './findmnt.ts';
import { sha256, type Measured } from './measure.ts';

/** A spawned process whose output lines a test can wait for, to kill it at a chosen moment. */
export interface Driven {
  child: ChildProcess;
  lines: string[];
  waitFor(pattern: RegExp): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * True once a fault wrapper on the run's PATH (makeFaultPath, signalPath) reached its FAULT_AT-th
   * call, the one on which it signals or kills the run; false without an armed wrapper.
   */
  faultFired(): Promise<boolean>;
}

export function drive(argv: readonly string[], env: Record<string, string> = {}, cwd?: string): Driven {
  const [file, ...args] = argv;
  const child = spawn(file ?? '', args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let pending = '';
  const onData = (chunk: Buffer): void => {
    const parts = (pending + chunk.toString('utf8')).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) waiter.resolve(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const waitFor = (pattern: RegExp): Promise<string> => {
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    const waited = new Promise<string>((found) => waiters.push({ pattern, resolve: found }));
    const ended = exit.then(({ code, signal }) => {
      throw new Error(`exited (${code ?? signal}) before printing ${pattern}:\n${lines.join('\n')}`);
    });
    return Promise.race([waited, ended]);
  };
  return { child, lines, waitFor, exit, faultFired: () => faultWrapperFired(env) };
}

/** Reads the call count the wrappers keep (FAULT_DIR/PROGRAM.count): at FAULT_AT the fault went out. */
async function faultWrapperFired(env: Record<string, string>): Promise<boolean> {
  const { FAULT_DIR: dir, FAULT_PROGRAM: program, FAULT_AT: at } = env;
  if (!dir || !program || !(Number(at) > 0)) return false; // not armed (FAULT_AT 0 only counts calls)
  const calls = await readFile(join(dir, `${program}.count`), 'utf8').catch(() => '0');
  return Number(calls.trim()) >= Number(at);
}

export const MOUNT_HOLDER = resolve('test/reliability/fixtures/mount-holder.ts');
export const FAULT_WRAPPER = resolve('test/reliability/fixtures/fault-wrapper.sh');
export const TSX_NODE = [process.execPath, '--import', 'tsx'];

/** A scratch folder: a work dir, a decoy with files, an output folder, and an input whose sha256 is known. */
export interface Scene extends Measured {
  dir: string;
  decoy: string;
  input: string;
}

const IPXE = '/usr/lib/ipxe/ipxe.iso';

export async function makeScene(): Promise<Scene> {
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-reliability-'));
  const scene = {
    dir,
    work: join(dir, 'work'),
    decoy: join(dir, 'decoy'),
    input: join(dir, 'input'),
    outDir: join(dir, 'out'),
  };
  await Promise.all([mkdir(scene.work), mkdir(scene.decoy), mkdir(scene.input), mkdir(scene.outDir)]);
  await copyFile(IPXE, join(scene.input, 'input.iso'));
  for (const name of ['a', 'b', 'c']) await copyFile('/etc/os-release', join(scene.decoy, name));
  const inputFile = join(scene.input, 'input.iso');
  return {
    ...scene,
    inputFile,
    inputSha256: await sha256(inputFile),
    pristineInput: IPXE,
    outputsBefore: [],
  };
}

export async function decoyIntact(scene: Scene): Promise<boolean> {
  return (await readdir(scene.decoy)).sort().join(',') === 'a,b,c';
}

/**
 * Everything the guarantees are checked on after a fault: mounts at or below the work dir (as
 * findmnt(8) lists them), chrooted processes.
 */
export async function leftovers(scene: Scene): Promise<{ mounts: string[]; processes: number[] }> {
  return {
    mounts: await findmntAtOrBelow(scene.work),
    processes: await readProcessesRootedIn(scene.work),
  };
}

/** A PATH folder whose `mount` and `umount` SIGKILL their caller on the FAULT_AT-th call of PROGRAM. */
export async function makeFaultPath(scene: Scene, program: 'mount' | 'umount', at: number) {
  const bin = join(scene.dir, 'fault-bin');
  await mkdir(bin, { recursive: true });
  for (const name of ['mount', 'umount'])
    await symlink(FAULT_WRAPPER, join(bin, name)).catch(() => undefined);
  await chmod(FAULT_WRAPPER, 0o755);
  return {
    PATH: `${bin}:${process.env.PATH}`,
    FAULT_DIR: scene.dir,
    FAULT_PROGRAM: program,
    FAULT_AT: String(at),
  };
}

/** Clean-up once a test's figures are measured: unmounts, then deletes only if findmnt sees no mount left. */
export async function disposeScene(scene: Scene): Promise<void> {
  await recoverMounts(scene.dir).catch(() => undefined);
  if (!(await findmntAtOrBelow(scene.dir)).length) await rm(scene.dir, { recursive: true, force: true });
}
