import { resolve } from 'node:path';
import type { MediumLayout } from '../distro/layouts/index.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import { IsoImage } from '../iso/image.ts';
import {
  checkPoolDebs,
  checkPoolKey,
  downloadPoolPackages,
  makePoolArchive,
  POOL_KEY_IMAGE_PATH,
  readPoolSystem,
} from '../medium/pool/index.ts';
import type { LayerExtent } from '../rootfs/overlay.ts';
import { resolveRecipePath } from '../safety/confine.ts';
import { runGpgExportPublicKey } from '../tools/gpg.ts';
import type { RecipeStep } from '../steps/registry.ts';
import type { RecipeSource } from './recipe-source.ts';
import type { PoolRecipe, SignRecipe } from './schema.ts';
import type { Signer } from './signing.ts';

/** iso.pool, checked: the host .debs, the names to resolve, and where apt learns to trust the key. */
export interface PoolPlan {
  debs: string[];
  packages: string[];
  /** The system whose apt sources resolve the names: the default install source's chain, bottom first. */
  chain: string[];
  /** The one layer every install source and the installer stack on: the key goes there. */
  keyLayer: string;
}

/** The default install source's chain (casper), or the medium's only chain (Debian live). */
function installChain(original: IsoReport, layout: MediumLayout): string[] {
  const sources = original.installSources;
  const source = sources.find((s) => s.default) ?? sources[0];
  if (source) return source.chain;
  return layout.layerChains(original.layers.map((l) => l.name))[0] ?? [];
}

/** The highest layer all chains share (the base on Ubuntu): one layer makes the key visible to every apt. */
function sharedLayer(chains: readonly (readonly string[])[]): string | undefined {
  const [first = [], ...rest] = chains;
  let shared: string | undefined;
  for (const [index, name] of first.entries()) {
    if (!rest.every((chain) => chain[index] === name)) break;
    shared = name;
  }
  return shared;
}

/** Checks iso.pool before any work: the key is in the keyring, every .deb is one. */
export async function planPool(options: {
  source: RecipeSource;
  pool?: PoolRecipe;
  sign?: SignRecipe;
  original: IsoReport;
  layout: MediumLayout;
  signal?: AbortSignal;
}): Promise<PoolPlan | undefined> {
  const { source, pool, sign, original, layout } = options;
  if (!pool || !sign) return undefined;
  const gnupgHome = sign.gnupgHome ? resolve(source.dir, sign.gnupgHome) : undefined;
  await checkPoolKey(sign, gnupgHome, { signal: options.signal, at: source.locate(['sign', 'key']) });
  const debs = await Promise.all(pool.debs.map((deb) => resolveRecipePath(source.dir, deb)));
  await checkPoolDebs(debs, options.signal);
  const names = original.layers.map((l) => l.name);
  const booted = names.filter((name) => layout.bootsLayer(name, names));
  // Every system whose apt reads the medium: each install source, and the live system (installer).
  const chains = [
    ...original.installSources.map((source) => source.chain),
    ...booted.map((name) => layout.layerChain(name, names)),
  ];
  const chain = installChain(original, layout);
  return { debs, packages: pool.packages, chain, keyLayer: sharedLayer(chains) ?? chain[0] ?? '' };
}

/** The `file` step that makes apt in the key layer trust the pool's signing key. */
export async function poolKeyStep(signer: Signer, signal?: AbortSignal): Promise<RecipeStep> {
  const key = await runGpgExportPublicKey(signer.fingerprint, { ...signer.gpg, signal });
  return { file: { dest: POOL_KEY_IMAGE_PATH, content: key, mode: '0644' } };
}

/** Downloads the named packages in the (new) install source, indexes and signs the pool. */
export async function buildPool(options: {
  pool: PoolPlan;
  input: string;
  extentOf: (name: string) => LayerExtent;
  signer: Signer;
  workDir: string;
  say: (line: string) => void;
  signal?: AbortSignal;
}): Promise<{ isoPath: string; localPath: string }[]> {
  const { pool, signal } = options;
  const chainOptions = { chain: pool.chain.map(options.extentOf), workDir: options.workDir, signal };
  const download = pool.packages.length
    ? await downloadPoolPackages({ ...chainOptions, names: pool.packages })
    : { ...(await readPoolSystem(chainOptions)), debs: [] };
  options.say(
    `pool: ${download.debs.length} packages downloaded for ${pool.packages.join(', ') || 'no names'}`,
  );
  await using image = await IsoImage.open(options.input);
  const archive = await makePoolArchive({
    debs: [...download.debs, ...pool.debs],
    image,
    system: download,
    key: { fingerprint: options.signer.fingerprint, gpg: options.signer.gpg },
    workDir: options.workDir,
    signal,
  });
  options.say(
    `pool: ${archive.debs.length} packages in dists/${archive.suite}, signed with ${options.signer.fingerprint}`,
  );
  return archive.files;
}
