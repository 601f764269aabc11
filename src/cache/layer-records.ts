import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { differingPaths, type LayerDigest, readLayerDigest } from './layer-digest.ts';
import type { LayerResult } from '../layer/customize.ts';
import { writeFileAtomic } from '../safety/atomic.ts';

/** What the build of a layer key made, kept after its cache entry (if any) is gone. */
export interface LayerRecord extends LayerDigest {
  layer: string;
  /** When that build made the layer (ISO 8601). */
  builtAt: string;
}

/** A layer built again with the same inputs as an earlier build, compared with that build's record. */
export interface LayerReproducibility {
  /** When the earlier build made the layer (ISO 8601). */
  comparedWith: string;
  /** The two layers' bytes are the same. */
  identical: boolean;
  /** Changed paths whose content, target, type, mode, owner or xattrs differ; sorted. */
  differingFiles: string[];
}

/** The newest records kept: enough for every layer of many recipes, small beside one cache entry. */
export const RECORDS_KEPT = 200;

/**
 * One small JSON file per layer key under CACHE_DIR/records, written by every build that customizes
 * a cacheable layer (with --no-cache too) and never evicted with the layers: the next build of the
 * same key compares its layer with it. Written under a temporary name and renamed; the oldest go
 * first past RECORDS_KEPT. `isoforge clean --cache` removes them with the layers.
 */
export class LayerRecords {
  readonly dir: string;

  constructor(
    readonly cacheDir: string,
    private readonly kept = RECORDS_KEPT,
  ) {
    this.dir = join(cacheDir, 'records');
  }

  /**
   * Records RESULT under KEY and compares it with the record an earlier build left there;
   * undefined when there was none.
   */
  async compare(key: string, result: LayerResult): Promise<LayerReproducibility | undefined> {
    const previous = await this.read(key);
    const digest = await readLayerDigest(result.squashfs, result.changed);
    await this.write(key, { layer: result.name, builtAt: new Date().toISOString(), ...digest });
    if (!previous) return undefined;
    const identical = previous.sha256 === digest.sha256;
    return {
      comparedWith: previous.builtAt,
      identical,
      differingFiles: identical ? [] : differingPaths(previous, digest),
    };
  }

  private async read(key: string): Promise<LayerRecord | undefined> {
    const text = await readFile(join(this.dir, `${key}.json`), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as LayerRecord;
    } catch {
      // A record cut short by a crash is no record: this build writes a whole one.
      return undefined;
    }
  }

  private async write(key: string, record: LayerRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, `${key}.json`), `${JSON.stringify(record)}\n`);
    await this.prune();
  }

  /** Removes the oldest records past the count kept. */
  private async prune(): Promise<void> {
    const names = (await readdir(this.dir)).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
    if (names.length <= this.kept) return;
    const dated = await Promise.all(
      names.map(async (name) => ({
        name,
        mtimeMs: (await stat(join(this.dir, name)).catch(() => undefined))?.mtimeMs ?? 0,
      })),
    );
    dated.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { name } of dated.slice(this.kept)) await rm(join(this.dir, name), { force: true });
  }
}

/** The build's warning for a layer whose bytes differ from an earlier build of the same inputs. */
export function describeNotReproducible(layer: string, check: LayerReproducibility): string {
  const date = describeBuildTime(check.comparedWith);
  const files = check.differingFiles;
  const named = files.length
    ? `${files.length} ${files.length === 1 ? 'file differs' : 'files differ'} from the build of ${date} with the same inputs: ${abbreviate(files)}`
    : `its bytes differ from the build of ${date} with the same inputs, no changed file's content does (file times: set SOURCE_DATE_EPOCH)`;
  return `layer ${layer} is not reproducible: ${named} (see the report)`;
}

/** "2024-05-01T10:20:30.123Z" as "2024-05-01 10:20:30 UTC". */
export function describeBuildTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function abbreviate(files: readonly string[], shown = 5): string {
  const more = files.length - shown;
  return more > 0 ? `${files.slice(0, shown).join(', ')}, ... (${more} more)` : files.join(', ');
}
