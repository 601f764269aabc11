import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { CommandFailedError, FormatError } from '../../errors.ts';
import { runAptFtparchivePackages } from '../../tools/apt-ftparchive.ts';
import { runDpkgField } from '../../tools/debian.ts';
import { runXzCompress, runXzDecompress } from '../../tools/xz.ts';
import { formatStanzas, parseStanzas } from './deb822.ts';
import { type DebControl, mergePackageStanzas, parseDebControl, poolPathOf } from './layout.ts';

/** A .deb placed in the pool. */
export interface PooledDeb extends DebControl {
  /** Its path below the archive root: pool/main/h/hello/hello_2.10-3_amd64.deb. */
  poolPath: string;
}

/**
 * Copies DEBS into ROOT/pool/main/... under their Debian pool paths. A later .deb with the same
 * pool path replaces an earlier one (callers pass the downloaded ones first, the recipe's own last).
 */
export async function placeDebs(
  debs: readonly string[],
  root: string,
  signal?: AbortSignal,
): Promise<PooledDeb[]> {
  const placed = new Map<string, PooledDeb>();
  for (const deb of debs) {
    const control = await readDebControl(deb, signal);
    const poolPath = poolPathOf(control);
    await mkdir(dirname(join(root, poolPath)), { recursive: true });
    await copyFile(deb, join(root, poolPath));
    placed.set(poolPath, { ...control, poolPath });
  }
  return [...placed.values()];
}

/** The control fields of DEB; a file dpkg-deb cannot read is named with the reason. */
export async function readDebControl(deb: string, signal?: AbortSignal): Promise<DebControl> {
  const fields = await runDpkgField(deb, signal).catch((error: unknown) => {
    if (!(error instanceof CommandFailedError)) throw error;
    const why =
      error.stderrTail
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/^dpkg-deb: error: /, '') ?? '';
    throw new FormatError(`${deb} is not a readable .deb: ${why}`, {
      cause: error,
      hint: 'pass a .deb built by dpkg-deb',
    });
  });
  const [stanza] = parseStanzas(fields);
  if (!stanza) throw new FormatError(`${deb} has no control file`, { hint: 'pass a .deb built by dpkg-deb' });
  return parseDebControl(stanza, deb);
}

/** Fails before any work when one of the recipe's DEBS is not a .deb the pool can place. */
export async function checkPoolDebs(debs: readonly string[], signal?: AbortSignal): Promise<void> {
  for (const deb of debs) await readDebControl(deb, signal);
}

/** The index variants apt reads, in the order the medium's own index is looked for. */
const INDEX_NAMES = ['Packages', 'Packages.gz', 'Packages.xz'] as const;
/** Compressions the pool does not rewrite: removed from the local copy so Release does not list stale ones. */
const OTHER_INDEX_NAMES = ['Packages.bz2', 'Packages.lzma', 'Packages.zst', 'Packages.lz4'];

/** The text of the Packages index in BINARYDIR (plain, .gz or .xz, whichever is there), or ''. */
export async function readPackagesIndex(binaryDir: string, signal?: AbortSignal): Promise<string> {
  const read = (name: string) => readFile(join(binaryDir, name)).catch(() => undefined);
  const plain = await read('Packages');
  if (plain) return plain.toString('utf8');
  const gz = await read('Packages.gz');
  if (gz) return (await promisify(gunzip)(gz)).toString('utf8');
  if (await read('Packages.xz')) return runXzDecompress(join(binaryDir, 'Packages.xz'), signal);
  return '';
}

/**
 * Rewrites BINARYDIR's Packages index: the medium's entries (minus those the pool replaces) and one
 * entry per .deb under ROOT/pool (apt-ftparchive's stanzas, checksums included). Writes Packages and
 * Packages.gz, and Packages.xz when the medium had one. Returns the file names written.
 */
export async function writePackagesIndex(
  root: string,
  binaryDir: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const existing = parseStanzas(await readPackagesIndex(binaryDir, signal));
  const hadXz = await readFile(join(binaryDir, 'Packages.xz')).then(
    () => true,
    () => false,
  );
  const added = parseStanzas(await runAptFtparchivePackages('pool', { cwd: root, signal }));
  const text = formatStanzas(mergePackageStanzas(existing, added));
  await mkdir(binaryDir, { recursive: true });
  for (const name of [...INDEX_NAMES, ...OTHER_INDEX_NAMES]) await rm(join(binaryDir, name), { force: true });
  await writeFile(join(binaryDir, 'Packages'), text);
  await writeFile(join(binaryDir, 'Packages.gz'), await promisify(gzip)(text, { level: 9 }));
  if (hadXz) await runXzCompress(join(binaryDir, 'Packages'), signal);
  return INDEX_NAMES.filter((name) => name !== 'Packages.xz' || hadXz);
}
