import { chmod, mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { fileIdentity } from '../layer/file-hash.ts';
import { join } from 'node:path';
import type { ReportData } from '../report/model.ts';
import { BUILDS, type LayerCache, linkOrCopy } from './layer-cache.ts';
import { hostPid } from '../safety/host-proc.ts';

/** What an entry keeps besides the ISO and the report data. */
export interface StoredBuild {
  key: string;
  /** When the stored build finished (its report's createdAt). */
  builtAt: string;
  /** The stored ISO as stored: a file whose size or mtime changed was edited through a link. */
  /** The stored ISO's fileIdentity: a write into an output that shares its bytes changes it. */
  iso: { identity: string };
  /** The layers that build rebuilt, with their layer cache keys. */
  layers: { name: string; key?: string }[];
}

export interface RestoredBuild {
  stored: StoredBuild;
  report: ReportData;
}

const ISO = 'output.iso';
const REPORT = 'report.json';
const BUILD = 'build.json';

/**
 * Finished, verified builds by build key (build-key.ts), in the layer cache's builds/ folder: the
 * layer cache's lock, limit and least-recently-used eviction cover them too. The ISO is stored
 * read-only (0444) and handed out by hard link, so an unchanged rebuild costs no copy.
 */
export class BuildCache {
  constructor(readonly layers: LayerCache) {}

  get dir(): string {
    return join(this.layers.dir, BUILDS);
  }

  /** The stored build for KEY with its ISO linked (else copied) to TARGET; undefined on a miss. */
  async restore(key: string, target: string): Promise<RestoredBuild | undefined> {
    const entry = join(this.dir, key);
    return this.layers.locked(async () => {
      const text = await readFile(join(entry, BUILD), 'utf8').catch(() => undefined);
      if (text === undefined) return undefined;
      const stored = JSON.parse(text) as StoredBuild;
      const now = await fileIdentity(join(entry, ISO)).catch(() => undefined);
      if (now !== stored.iso?.identity) {
        // Someone wrote into an output that shares the stored bytes: the entry is no longer that build.
        await rm(entry, { recursive: true, force: true });
        return undefined;
      }
      const report = JSON.parse(await readFile(join(entry, REPORT), 'utf8')) as ReportData;
      await linkOrCopy(join(entry, ISO), target, 0o644);
      // The entry's mtime is its last use: eviction removes the oldest first.
      const used = new Date();
      await utimes(entry, used, used);
      return { stored, report };
    });
  }

  /** Keeps the finished ISO (by link, else a copy) and its report under KEY, then evicts to the limit. */
  async store(
    key: string,
    build: { iso: string; report: ReportData; layers: StoredBuild['layers'] },
    say: (line: string) => void,
  ): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const draft = join(this.dir, `.draft-${key}-${hostPid()}`);
    await rm(draft, { recursive: true, force: true });
    await mkdir(draft);
    await linkOrCopy(build.iso, join(draft, ISO));
    await chmod(join(draft, ISO), 0o444);
    const stored: StoredBuild = {
      key,
      builtAt: build.report.createdAt,
      iso: { identity: await fileIdentity(join(draft, ISO)) },
      layers: build.layers,
    };
    await writeFile(join(draft, REPORT), `${JSON.stringify(build.report)}\n`);
    await writeFile(join(draft, BUILD), `${JSON.stringify(stored)}\n`);
    await this.layers.locked(async () => {
      await rm(join(this.dir, key), { recursive: true, force: true });
      await rename(draft, join(this.dir, key));
      for (const evicted of await this.layers.evict(`${BUILDS}/${key}`))
        say(`layer cache: evicted ${evicted} (least recently used)`);
    });
  }
}
