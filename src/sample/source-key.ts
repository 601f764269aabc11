import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Cache keys of the sample: a hash of the code and assets that decide its bytes, so a cached sample
 * is never older than the code that would build it (a changed source means a new cache name).
 */
// The repository's src/, whether this module runs from src/sample or bundled into dist/cli. An
// installed package ships the bundle alone: there the whole bundle stands for the sources.
const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPOSITORY_SRC = resolve(HERE, '..', 'src');
const INSTALLED = !existsSync(REPOSITORY_SRC);

// The layers are the slow part (debootstrap, mksquashfs): their key covers only what shapes them, so
// a boot-files or ISO-tree change rebuilds the ISO in seconds from the cached layers.
const LAYER_SOURCES = [
  'sample/layers.ts',
  'sample/layer-cache.ts',
  'sample/cache.ts',
  'sample/live-boot.ts',
  'sample/kernel-layer.ts',
  'sample/kernels.ts',
  'sample/initrd.ts',
  'sample/releases.ts',
  'sample/assets/casper-hook.sh',
  'sample/assets/casper-script.sh',
  'sample/assets/init.sh',
  'tools/debootstrap.ts',
  'tools/squashfs.ts',
  'tools/coreutils.ts',
  'distro/casper-meta.ts',
  'distro/layers.ts',
];
// Everything of src/sample (code and assets), plus the adapters whose arguments shape the ISO.
const SAMPLE_ADAPTERS = ['tools/xorriso.ts', 'tools/grub.ts', 'tools/fat.ts', 'tools/debian.ts'];

const KEY_LENGTH = 12;

/** The layers' key: their sources and their spec (names, packages, removals). */
export async function makeLayersKey(spec: unknown): Promise<string> {
  const sources = INSTALLED ? await readBundle() : await readSources(LAYER_SOURCES);
  return hashParts([...sources, ['spec', JSON.stringify(spec)]]);
}

/** The sample's key: every file of src/sample, the ISO-shaping adapters, the .debs it uses, its release. */
export async function makeSampleKey(
  layersKey: string,
  debs: ReadonlyMap<string, string>,
  release: unknown,
): Promise<string> {
  const sources = INSTALLED
    ? await readBundle()
    : await readSources([...(await filesBelow(join(REPOSITORY_SRC, 'sample'))), ...SAMPLE_ADAPTERS]);
  const debNames = [...debs].map(([name, path]) => `${name}=${path.slice(path.lastIndexOf('/') + 1)}`);
  return hashParts([
    ...sources,
    ['layers', layersKey],
    ['debs', debNames.sort().join('\n')],
    ['release', JSON.stringify(release)],
  ]);
}

/** The files below DIR, by path relative to ROOT. */
async function filesBelow(dir: string, root = REPOSITORY_SRC): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

async function readSources(paths: readonly string[], root = REPOSITORY_SRC): Promise<[string, Buffer][]> {
  const sorted = [...new Set(paths)].sort();
  return Promise.all(
    sorted.map(async (path) => [path, await readFile(join(root, path))] as [string, Buffer]),
  );
}

/** Every file of the installed bundle (dist/): its chunks name no sources, so all of it keys the sample. */
async function readBundle(): Promise<[string, Buffer][]> {
  const files = (await filesBelow(HERE, HERE)).filter((path) => path !== '.built');
  return readSources(files, HERE);
}

// Each part is "name NUL length NUL bytes": no two different sets of parts hash the same input.
function hashParts(parts: readonly [string, string | Buffer][]): string {
  const hash = createHash('sha256');
  for (const [name, content] of parts) {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    hash.update(`${name}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex').slice(0, KEY_LENGTH);
}

/**
 * The casper UUID of the sample's initrd and medium. Ubuntu makes a random one per build; the
 * sample's comes from its cache NAME, so the same sources give the same bytes.
 */
export function makeCasperUuid(name: string): string {
  const hex = createHash('sha256').update(`casper-uuid\0${name}`).digest('hex');
  // RFC 9562 version 4 layout (version nibble 4, variant bits 10), as uuidgen -r prints.
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
