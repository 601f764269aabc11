import { constants } from 'node:fs';
import {
  chmod,
  copyFile,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError, LockedError } from '../errors.ts';
import { acquireWorkLock } from '../safety/lock.ts';
import { cacheDir } from '../sample/cache.ts';
import type { LiveBootFiles } from '../layer/boot-files.ts';
import type { LayerResult } from '../layer/customize.ts';
import type { WorkPaths } from '../layer/paths.ts';
import { hostPid } from '../safety/host-proc.ts';
import { isProcessAlive } from '../safety/processes.ts';

/** 20 GiB: a few layers of a real Ubuntu ISO, and still small beside one build's work tree. */
export const DEFAULT_CACHE_LIMIT = 20 * 1024 ** 3;
const CLAIM_POLL_MS = 2_000;

/** The folder of finished layers: layers/ in isoforge's cache folder (cacheDir). */
export function layerCacheDir(env?: { ISOFORGE_CACHE_DIR?: string; XDG_CACHE_HOME?: string }): string {
  return join(cacheDir(env), 'layers');
}

/** "20G", "512M", "1T" or plain bytes, as ISOFORGE_CACHE_LIMIT and the recipe's cacheLimit write it. */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) {
    throw new InputError(`${what}: '${text}' is not a size`, {
      hint: 'write it like 20G, 512M or 1073741824',
    });
  }
  const power = ' KMGT'.indexOf((match[2] || ' ').toUpperCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** What a cache entry keeps besides the files: the LayerResult without its plan and paths. */
type StoredResult = Omit<LayerResult, 'plan' | 'squashfs' | 'liveBoot' | 'cached' | 'cacheKey'> & {
  liveBoot?: Omit<LiveBootFiles, 'kernel' | 'initrd'>;
};

const SQUASHFS = 'layer.squashfs';
const RESULT = 'result.json';
/** The finished builds' folder inside the cache (build-cache.ts). */
export const BUILDS = 'builds';

/**
 * Finished layers by key (layer-key.ts): a hit hard-links the stored squashfs (and the live kernel
 * and initrd) into the work tree instead of customizing again. Entries are written under a temporary
 * name and renamed into place, so a reader never sees half of one; the least recently used go first
 * when the cache grows past its limit. The cache's lock is held only while an entry is read or written.
 */
export class LayerCache {
  constructor(
    readonly dir: string,
    readonly limitBytes: number,
  ) {}

  /** The stored result for KEY, its files linked into WORKDIR; undefined on a miss. */
  async restore(
    key: string,
    plan: LayerResult['plan'],
    workDir: WorkPaths,
  ): Promise<LayerResult | undefined> {
    const entry = join(this.dir, key);
    return this.locked(async () => {
      const text = await readFile(join(entry, RESULT), 'utf8').catch(() => undefined);
      if (text === undefined) return undefined;
      const stored = JSON.parse(text) as StoredResult;
      const squashfs = workDir.newFile(plan.isoPaths.squashfs);
      await linkOrCopy(join(entry, SQUASHFS), squashfs);
      let liveBoot: LayerResult['liveBoot'];
      if (stored.liveBoot) {
        const out = workDir.liveBoot(stored.name);
        const kernel = join(out, basename(stored.liveBoot.isoKernel));
        const initrd = join(out, basename(stored.liveBoot.isoInitrd));
        await linkOrCopy(join(entry, 'kernel'), kernel);
        await linkOrCopy(join(entry, 'initrd'), initrd);
        liveBoot = { ...stored.liveBoot, kernel, initrd };
      }
      // The entry's mtime is its last use: eviction removes the oldest first.
      const now = new Date();
      await utimes(entry, now, now);
      return { ...stored, plan, squashfs, liveBoot, cached: true, cacheKey: key };
    });
  }

  /** Keeps RESULT under KEY (a copy of its files), then evicts to the limit; says what it evicted. */
  async store(key: string, result: LayerResult, say: (line: string) => void): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.removeAbandonedDrafts();
    const draft = join(this.dir, `.draft-${key}-${hostPid()}`);
    await rm(draft, { recursive: true, force: true });
    await mkdir(draft);
    await linkOrCopy(result.squashfs, join(draft, SQUASHFS));
    if (result.liveBoot) {
      await linkOrCopy(result.liveBoot.kernel, join(draft, 'kernel'));
      await linkOrCopy(result.liveBoot.initrd, join(draft, 'initrd'));
    }
    const { plan: _plan, squashfs: _squashfs, liveBoot, cached: _cached, cacheKey: _key, ...rest } = result;
    const stored: StoredResult = {
      ...rest,
      liveBoot: liveBoot && {
        version: liveBoot.version,
        isoKernel: liveBoot.isoKernel,
        isoInitrd: liveBoot.isoInitrd,
        replacedUuid: liveBoot.replacedUuid,
      },
    };
    await writeFile(join(draft, RESULT), `${JSON.stringify(stored)}\n`);
    await this.locked(async () => {
      await rm(join(this.dir, key), { recursive: true, force: true });
      await rename(draft, join(this.dir, key));
      for (const evicted of await this.evict(key))
        say(`layer cache: evicted ${evicted} (least recently used)`);
    });
  }

  /**
   * Makes room for a build's output of about BYTES before it is stored, while the build still
   * writes and verifies it: on ext4, removing a 2 GB ISO takes most of a second.
   */
  async makeRoom(bytes: number): Promise<string[]> {
    await this.removeAbandonedDrafts();
    return this.locked(() => this.evict(undefined, bytes));
  }

  /** Drafts of builds killed while storing, or evicting: never read (only a renamed entry counts), removed here. */
  private async removeAbandonedDrafts(): Promise<void> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const pid = Number(/^\.(?:draft-[0-9a-f]{64}|evicted-\d+)-(\d+)$/.exec(name)?.[1] ?? NaN);
      if (Number.isNaN(pid) || pid === hostPid() || (await isProcessAlive(pid))) continue;
      await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }

  /**
   * Removes the least recently used entries (layers or builds) until the cache fits its limit with
   * INCOMING bytes more; KEEP stays. Each is renamed out of the cache first: a build killed while
   * the files go leaves a folder no lookup reads, removed by the next store.
   */
  async evict(keep: string | undefined, incoming = 0): Promise<string[]> {
    const entries = await this.list();
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    const evicted: string[] = [];
    for (const entry of entries.sort((a, b) => a.usedMs - b.usedMs)) {
      if (total + incoming <= this.limitBytes) break;
      if (entry.key === keep) continue;
      const gone = join(this.dir, `.evicted-${evicted.length}-${hostPid()}`);
      await rm(gone, { recursive: true, force: true });
      await rename(join(this.dir, entry.key), gone);
      await rm(gone, { recursive: true, force: true });
      total -= entry.bytes;
      const build = entry.key.startsWith(`${BUILDS}/`);
      evicted.push(
        build ? `build ${entry.key.slice(BUILDS.length + 1, BUILDS.length + 13)}` : entry.key.slice(0, 12),
      );
    }
    return evicted;
  }

  /** Every entry (layers, and finished builds under builds/) with its size and last use. */
  async list(): Promise<{ key: string; bytes: number; usedMs: number }[]> {
    const keys = [
      ...(await entryNames(this.dir)),
      ...(await entryNames(join(this.dir, BUILDS))).map((key) => `${BUILDS}/${key}`),
    ];
    const entries = [];
    for (const key of keys) {
      const entry = join(this.dir, key);
      let bytes = 0;
      for (const file of await readdir(entry)) bytes += (await stat(join(entry, file))).size;
      entries.push({ key, bytes, usedMs: (await stat(entry)).mtimeMs });
    }
    return entries;
  }

  /** `isoforge clean --cache`: every entry removed; refused while a build reads or writes one. */
  async clear(): Promise<{ entries: number; builds: number; bytes: number }> {
    const all = await this.list();
    const builds = all.filter((e) => e.key.startsWith(`${BUILDS}/`)).length;
    await mkdir(this.dir, { recursive: true });
    const lock = await acquireWorkLock(this.dir).catch((error: unknown) => {
      if (!(error instanceof LockedError)) throw error;
      throw new LockedError(`the layer cache ${this.dir} is in use by a build: ${error.message}`, {
        hint: 'wait for the build to finish, then run isoforge clean --cache again',
        cause: error,
      });
    });
    try {
      for (const name of await readdir(this.dir))
        if (name !== '.isoforge') await rm(join(this.dir, name), { recursive: true, force: true });
    } finally {
      await lock[Symbol.asyncDispose]();
    }
    return { entries: all.length - builds, builds, bytes: all.reduce((sum, e) => sum + e.bytes, 0) };
  }

  /**
   * The right to make KEY's entry: one build at a time makes a layer, however many build the same
   * recipe against one cache (CI jobs on a shared volume). Another build waits here while the
   * claim's holder lives, then finds the entry stored; a claim whose holder died is taken over.
   */
  async claim(key: string, say: (line: string) => void): Promise<AsyncDisposable> {
    const dir = join(this.dir, 'claims', key);
    await mkdir(dir, { recursive: true });
    let waiting = false;
    for (;;) {
      try {
        return await acquireWorkLock(dir, { onMessage: say });
      } catch (error) {
        if (!(error instanceof LockedError)) throw error;
        if (!waiting) say(`layer cache: another build is making ${key.slice(0, 12)}; waiting for it`);
        waiting = true;
        await new Promise((done) => setTimeout(done, CLAIM_POLL_MS));
      }
    }
  }

  /** WORK under the cache's lock: builds wait for one another's short cache work (up to a minute) rather than fail. */
  async locked<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await using _lock = await acquireWorkLock(this.dir);
        return await work();
      } catch (error) {
        if (!(error instanceof LockedError) || attempt >= 120) throw error;
        await new Promise((done) => setTimeout(done, 500));
      }
    }
  }
}

/** The names of the entries in DIR: a sha256 each. */
async function entryNames(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n));
}

/**
 * A hard link (no copy, the cache and the work tree on one file system), else a copy (a reflink
 * where it can), given COPYMODE when set (a copy keeps the cache's read-only mode otherwise).
 */
export async function linkOrCopy(from: string, to: string, copyMode?: number): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await rm(to, { force: true });
  await link(from, to).catch(async () => {
    await copyFile(from, to, constants.COPYFILE_FICLONE);
    if (copyMode !== undefined) await chmod(to, copyMode);
  });
}
