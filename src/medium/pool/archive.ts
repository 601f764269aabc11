import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../errors.ts';
import type { IsoImage } from '../../iso/image.ts';
import { type ReleaseFields, runAptFtparchiveRelease } from '../../tools/apt-ftparchive.ts';
import {
  checkGpgSignature,
  type GpgContext,
  runGpgClearSign,
  runGpgDetachSign,
  runGpgExportPublicKey,
} from '../../tools/gpg.ts';
import type { ChainSystem } from './chain.ts';
import { fieldOf, parseStanzas } from './deb822.ts';
import { POOL_COMPONENT, withListed } from './layout.ts';
import { copyMediumDists, readMediumSuite } from './medium-dists.ts';
import { placeDebs, type PooledDeb, writePackagesIndex } from './packages.ts';

/** The recipe's key as gpg reaches it: the fingerprint and the keyring (GNUPGHOME, passphrase). */
export interface PoolSigningKey {
  fingerprint: string;
  gpg: GpgContext;
}

export interface PoolArchiveOptions {
  /** .debs for the pool: the downloaded ones first, the recipe's own last (a same-named file wins). */
  debs: readonly string[];
  /** The input medium: its dists/SUITE and Packages entries are kept. */
  image: IsoImage;
  /** The install source's codename and architecture (downloadPoolPackages or readPoolSystem). */
  system: ChainSystem;
  key: PoolSigningKey;
  /** An empty folder of the caller's. */
  workDir: string;
  signal?: AbortSignal;
}

export interface PoolArchive {
  suite: string;
  /** Files to add to or replace on the medium; ISO paths start with '/'. */
  files: { isoPath: string; localPath: string }[];
  /** The packages placed in the pool. */
  debs: PooledDeb[];
  /** The signing key's public half, ASCII-armored: install it in layers at POOL_KEY_IMAGE_PATH. */
  publicKey: string;
}

/**
 * Builds the medium's signed apt archive: the .debs under pool/main, the medium's Packages index
 * merged with theirs, Release regenerated (the medium's own fields kept) and signed as Release.gpg
 * and InRelease with the recipe's key. Nothing on the medium is read beyond dists/SUITE.
 */
export async function makePoolArchive(options: PoolArchiveOptions): Promise<PoolArchive> {
  const { system, key, signal } = options;
  const root = join(options.workDir, 'medium');
  const suite = (await readMediumSuite(options.image)) ?? system.codename;
  if (!suite)
    throw new InputError(
      'the medium has no dists/*/Release and the install source names no VERSION_CODENAME',
      {
        hint: 'a pool needs a suite name: use a medium or layer with one',
      },
    );
  await copyMediumDists(options.image, suite, root);
  await mkdir(join(root, 'pool'), { recursive: true });
  const debs = await placeDebs(options.debs, root, signal);
  const distDir = join(root, 'dists', suite);
  const binaryDir = join(distDir, POOL_COMPONENT, `binary-${system.architecture}`);
  const indexes = await writePackagesIndex(root, binaryDir, signal);
  await writeSignedRelease(distDir, suite, system.architecture, key, signal);
  const publicKey = join(options.workDir, 'isoforge-pool.asc');
  await writeFile(publicKey, await runGpgExportPublicKey(key.fingerprint, { ...key.gpg, signal }));
  const isoPaths = [
    ...debs.map((deb) => `/${deb.poolPath}`),
    ...indexes.map((name) => `/dists/${suite}/${POOL_COMPONENT}/binary-${system.architecture}/${name}`),
    ...RELEASE_FILES.map((name) => `/dists/${suite}/${name}`),
  ];
  return {
    suite,
    debs,
    publicKey,
    files: isoPaths.map((isoPath) => ({ isoPath, localPath: join(root, isoPath) })),
  };
}

const RELEASE_FILES = ['Release', 'Release.gpg', 'InRelease'] as const;

/** Release of DISTDIR by apt-ftparchive (the medium's Origin, Label... kept), then Release.gpg and InRelease. */
async function writeSignedRelease(
  distDir: string,
  suite: string,
  architecture: string,
  key: PoolSigningKey,
  signal?: AbortSignal,
): Promise<void> {
  const previous = await readFile(join(distDir, 'Release'), 'utf8').catch(() => '');
  // apt-ftparchive hashes every Release it finds below DISTDIR: the old top-level ones must go first.
  for (const name of RELEASE_FILES) await rm(join(distDir, name), { force: true });
  const release = await runAptFtparchiveRelease(
    distDir,
    makeReleaseFields(previous, suite, architecture),
    signal,
  );
  const file = join(distDir, 'Release');
  await writeFile(file, release);
  const context = { ...key.gpg, signal };
  await runGpgDetachSign(file, join(distDir, 'Release.gpg'), key.fingerprint, context);
  await runGpgClearSign(file, join(distDir, 'InRelease'), key.fingerprint, context);
  await checkGpgSignature(join(distDir, 'Release.gpg'), file, context);
}

/** The Release fields: the medium's own where it had a Release, with the pool's component and architecture listed. */
export function makeReleaseFields(previous: string, suite: string, architecture: string): ReleaseFields {
  const [stanza] = parseStanzas(previous);
  const field = (name: string) => (stanza ? fieldOf(stanza, name)?.trim() : undefined) || undefined;
  return {
    Origin: field('Origin') ?? 'isoforge',
    Label: field('Label') ?? 'isoforge pool',
    Suite: field('Suite') ?? suite,
    Version: field('Version'),
    Codename: field('Codename') ?? suite,
    Description: field('Description'),
    Architectures: withListed(field('Architectures'), architecture),
    Components: withListed(field('Components'), POOL_COMPONENT),
  };
}
