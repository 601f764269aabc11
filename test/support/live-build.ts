import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeTree } from '../../src/safety/remove.ts';
import { cacheDir, exists } from '../../src/sample/cache.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { BOOKWORM_HYBRID, type LiveBuildConfig } from './live-build-configs.ts';

export { BOOKWORM_GRUB_ZSTD, BOOKWORM_HYBRID, LIVE_MARKER_PREFIX } from './live-build-configs.ts';
export type { LiveBuildConfig } from './live-build-configs.ts';

const ISO_FILE = 'live.iso';
const LOCK_POLL_MS = 5_000;
const pending = new Map<string, Promise<string>>();

/** The cache folder of CONFIG's ISO: sha256 of the live-build version, lb config arguments and config files. */
export async function liveBuildCacheDir(config: LiveBuildConfig): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ liveBuild: await readLiveBuildVersion(), args: config.configArgs }));
  for (const path of Object.keys(config.files).sort()) hash.update(`\0${path}\0${config.files[path]}`);
  return join(cacheDir(), 'live-build', `${config.name}-${hash.digest('hex').slice(0, 16)}`);
}

/**
 * Claims CONFIG's build for this process, before any test file starts: BUILD then makes the ISO
 * (or finds it cached) while the lock keeps other processes waiting (waitForLiveBuildIso). The
 * global set-up claims every fixture, then builds them while the tests that do not read them run.
 */
export async function claimLiveBuild(
  config: LiveBuildConfig,
  onProgress?: (line: string) => void,
): Promise<{ iso: string; build: () => Promise<string> }> {
  const dir = await liveBuildCacheDir(config);
  const iso = join(dir, ISO_FILE);
  if (await exists(iso)) return { iso, build: async () => iso };
  await mkdir(dirname(dir), { recursive: true });
  const release = await acquireLock(`${dir}.lock`);
  const build = async () => {
    try {
      await removeAbandonedBuilds(dir);
      if (!(await exists(iso))) await buildIntoCache(config, dir, onProgress);
    } finally {
      await release();
    }
    return iso;
  };
  return { iso, build };
}

/**
 * The fixture's ISO once the process that claimed it (the global set-up) has built it: waits while
 * that process lives and holds the lock. Never builds: a fixture that is still missing then is an
 * error naming its build log, not a second build inside a test.
 */
export async function waitForLiveBuildIso(config: LiveBuildConfig): Promise<string> {
  const dir = await liveBuildCacheDir(config);
  const iso = join(dir, ISO_FILE);
  for (;;) {
    if (await exists(iso)) return iso;
    const owner = Number((await readFile(`${dir}.lock`, 'utf8').catch(() => '')).trim());
    if (!(owner > 0 && isAlive(owner)))
      throw new Error(
        `the live-build fixture ${config.name} is missing (${iso}): its build failed; see ${dir}.partial-*/build.log`,
      );
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/**
 * A real Debian live ISO made by live-build from CONFIG, built once (several minutes) and then
 * shared by every test: the returned file is the cache's own copy, so tests must only read it.
 */
export function ensureLiveBuildIso(
  config: LiveBuildConfig = BOOKWORM_HYBRID,
  onProgress?: (line: string) => void,
): Promise<string> {
  let iso = pending.get(config.name);
  if (!iso) {
    iso = ensureCachedIso(config, onProgress);
    pending.set(config.name, iso);
    iso.catch(() => pending.delete(config.name));
  }
  return iso;
}

async function ensureCachedIso(
  config: LiveBuildConfig,
  onProgress?: (line: string) => void,
): Promise<string> {
  // Another process building the same configuration holds the lock: the claim waits for it.
  const { build } = await claimLiveBuild(config, onProgress);
  return build();
}

/** Runs lb config + lb build in a fresh folder next to the cache, then renames the result into place. */
async function buildIntoCache(
  config: LiveBuildConfig,
  dir: string,
  onProgress?: (line: string) => void,
): Promise<void> {
  const work = `${dir}.build-${process.pid}`;
  const staging = `${dir}.partial-${process.pid}`;
  await removeTree(work, { within: dirname(dir) });
  await removeTree(staging, { within: dirname(dir) });
  await mkdir(work, { recursive: true });
  await mkdir(staging, { recursive: true });
  const logFile = join(staging, 'build.log');
  const onLine = (line: string): void => {
    void appendFile(logFile, `${line}\n`);
    // live-build's own stage lines ("P: Begin installing packages..."): a few dozen per build.
    if (line.startsWith('P: ')) onProgress?.(line.slice(3));
  };
  try {
    await writeConfigFiles(work, config);
    await runCommand(['lb', 'config', '--mode', 'debian', ...config.configArgs], { cwd: work, onLine });
    await runCommand(['lb', 'build'], { cwd: work, onLine, detached: true });
    await rename(join(work, config.isoName), join(staging, ISO_FILE));
    await writeFile(join(staging, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await rename(staging, dir);
  } catch (error) {
    throw new Error(`live-build of ${config.name} failed; its log is ${logFile}`, { cause: error });
  } finally {
    await cleanBuildFolder(work);
  }
}

/**
 * The .build-PID and .partial-PID folders of builds whose process is gone (killed, or the machine
 * stopped): taken with the lock held, so no live build's folder is touched.
 */
async function removeAbandonedBuilds(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.`;
  for (const name of await readdir(parent)) {
    const match = /^\.(build|partial)-(\d+)$/.exec(name.slice(prefix.length - 1));
    if (!name.startsWith(prefix) || !match || isAlive(Number(match[2]))) continue;
    const path = join(parent, name);
    if (match[1] === 'build') await cleanBuildFolder(path);
    else await removeTree(path, { within: parent });
  }
}

async function writeConfigFiles(work: string, config: LiveBuildConfig): Promise<void> {
  for (const [path, content] of Object.entries(config.files)) {
    const file = join(work, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    if (path.includes('/hooks/')) await chmod(file, 0o755);
  }
}

// lb build leaves proc/sys/devpts mounted in chroot/ when it fails; `lb clean` unmounts them first.
async function cleanBuildFolder(work: string): Promise<void> {
  await runCommand(['lb', 'clean', '--all'], { cwd: work }).catch(() => undefined);
  await removeTree(work, { within: dirname(work) });
}

async function readLiveBuildVersion(): Promise<string> {
  const { stdout } = await runCommand(['dpkg-query', '-W', '-f', '${Version}', 'live-build']);
  return stdout.trim();
}

/** An exclusive lock file holding the owner's pid; a lock whose owner died is taken over. */
async function acquireLock(path: string): Promise<() => Promise<void>> {
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (owner > 0 && !isAlive(owner)) await rm(path, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
