import { createHash, type Hash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveRecipePath } from '../safety/confine.ts';
import { type RecipeStep, stepOf } from '../steps/registry.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import { fileIdentity } from '../layer/file-hash.ts';
import type { LayerPlan } from '../layer/plan.ts';
import { writeFileAtomic } from '../safety/atomic.ts';
import { hashFileRange } from '../safety/hash-range.ts';

/** What besides the plan decides a layer's result. */
export interface LayerKeyInputs {
  recipeDir: string;
  /** Steps the build adds after the recipe's own (the pool key's `file`). */
  extraSteps: readonly RecipeStep[];
  /** The cache key of each layer this build rebuilt below this one: it stands for their new bytes. */
  rebuiltKeys: ReadonlyMap<string, string>;
  sourceDateEpoch?: number;
  /** Where extent hashes are remembered by (file, inode, size, mtime, range). */
  memoFile: string;
}

/** isoforge's version: part of every cache key, so an upgrade never reuses an older build's work. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * The layer cache's key: sha256 over everything that decides what customizing a layer makes: the
 * isoforge version, the bytes of the layer, of the layers below it and of those above it (the
 * shadowing check reads them), the layer's recipe as canonical JSON, the content of every host file
 * a step reads, and SOURCE_DATE_EPOCH. Undefined for a layer that cannot be cached (a `shell` step:
 * what a person typed is no input). The medium (iso:, volumeId) is not part of it.
 */
export async function makeLayerKey(plan: LayerPlan, inputs: LayerKeyInputs): Promise<string | undefined> {
  const steps = [...plan.recipe.steps, ...inputs.extraSteps];
  if (steps.some((step) => stepOf(step).definition.needsTerminal)) return undefined;
  const memo = await readMemo(inputs.memoFile);
  const identity = async (extent: LayerExtent) =>
    inputs.rebuiltKeys.get(extent.name) ?? `sha256:${await hashExtentRemembered(extent, memo)}`;
  const parts = {
    isoforge: VERSION,
    layer: { name: plan.layer.name, isoPaths: plan.isoPaths, bytes: await identity(plan.extent) },
    ancestors: await Promise.all(plan.ancestors.map(async (a) => [a.name, await identity(a)])),
    above: await Promise.all(plan.above.map(async (a) => [a.name, await identity(a)])),
    // Where a new kernel of this layer goes on the medium, and the UUID its initrd replaces.
    boots: plan.boots,
    // allowShadowed too: the shadowing check runs only when a layer is customized.
    recipe: {
      steps,
      compression: plan.compression,
      // A reuse-built layer is not what `repack: full` asks for, though its files are the same.
      repack: plan.repack,
      allowShadowed: plan.recipe.allowShadowed,
      trustsPoolKey: plan.trustsPoolKey,
    },
    files: await hashStepInputs(steps, inputs.recipeDir),
    sourceDateEpoch: inputs.sourceDateEpoch ?? null,
  };
  await writeMemo(inputs.memoFile, memo);
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Content hashes of the host files and folders the steps read (copy sources, .debs), in step order. */
export async function hashStepInputs(steps: readonly RecipeStep[], recipeDir: string): Promise<string[][]> {
  const sources = steps.flatMap((step) => {
    const { definition, params } = stepOf(step);
    return definition.reads?.(params) ?? [];
  });
  return hashHostPaths(sources, recipeDir);
}

/** [path, sha256 of its tree] for each host path (relative to the recipe), in the order given. */
export async function hashHostPaths(sources: readonly string[], recipeDir: string): Promise<string[][]> {
  const hashes: string[][] = [];
  for (const source of sources) {
    const hash = createHash('sha256');
    await hashTree(await resolveRecipePath(recipeDir, source), hash);
    hashes.push([source, hash.digest('hex')]);
  }
  return hashes;
}

/** sha256 of a whole file (the input ISO), remembered in MEMOFILE by its identity like a layer's. */
export async function hashFileRemembered(file: string, memoFile: string): Promise<string> {
  const memo = await readMemo(memoFile);
  const digest = await hashExtentRemembered({ name: file, file, offset: 0, size: 0 }, memo);
  await writeMemo(memoFile, memo);
  return digest;
}

/** A file's mode and bytes, a link's target, a folder's sorted entries with theirs: what a copy carries. */
async function hashTree(path: string, hash: Hash): Promise<void> {
  const info = await lstat(path);
  hash.update(`${(info.mode & 0o7777).toString(8)}\0`);
  if (info.isSymbolicLink()) hash.update(`l:${await readlink(path)}\0`);
  else if (info.isFile()) {
    hash.update('f:');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    hash.update('\0');
  } else if (info.isDirectory()) {
    for (const name of (await readdir(path)).sort()) {
      hash.update(`d:${name}\0`);
      await hashTree(join(path, name), hash);
    }
  }
}

type Memo = Record<string, string>;

async function readMemo(file: string): Promise<Memo> {
  const text = await readFile(file, 'utf8').catch(() => '{}');
  try {
    return JSON.parse(text) as Memo;
  } catch {
    return {};
  }
}

async function writeMemo(file: string, memo: Memo): Promise<void> {
  // Only the newest entries: a memo of every ISO ever built would only grow.
  const kept = Object.fromEntries(Object.entries(memo).slice(-256));
  await mkdir(join(file, '..'), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(kept));
}

/**
 * sha256 of a layer's bytes (a range of the ISO, or a whole squashfs file). Remembered by the
 * file's device, inode, size and mtime: an unchanged ISO is hashed once, not on every build.
 */
async function hashExtentRemembered(extent: LayerExtent, memo: Memo): Promise<string> {
  const length = extent.size || (await stat(extent.file)).size - extent.offset;
  const id = [await fileIdentity(extent.file), extent.offset, length].join(':');
  const known = memo[id];
  if (known) return known;
  const digest = await hashFileRange(extent.file, extent.offset, length);
  delete memo[id];
  memo[id] = digest;
  return digest;
}
