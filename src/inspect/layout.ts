import { parse } from 'yaml';
import { layerChain, layerChains } from '../distro/layers.ts';
import type { IsoEntry, IsoImage } from '../iso/image.ts';
import { parseSquashfsSuperblock, type SquashfsSuperblock } from '../iso/squashfs.ts';
import { SECTOR } from '../iso/volume.ts';

export type Layout = 'casper' | 'live' | 'unknown';

export interface LayerInfo {
  name: string;
  path: string;
  sizeBytes: number;
  lba: number;
  superblock: SquashfsSuperblock | null;
  /** Why the superblock could not be read, when it could not. */
  error?: string;
  manifest: boolean;
  /** The unpacked size recorded in the .size sidecar (bytes), or null. */
  recordedSize: number | null;
  signature: boolean;
  chain: string[];
}

export interface InstallSource {
  id: string;
  path: string;
  size: number | null;
  type: string | null;
  default: boolean;
  variant: string | null;
  chain: string[];
}

export interface LayoutInfo {
  layout: Layout;
  diskInfo: string | null;
  layers: LayerInfo[];
  layerChains: string[][];
  installSources: InstallSource[];
  kernels: string[];
  initrds: string[];
  md5sums: boolean;
}

/** Reads what makes an ISO a casper (Ubuntu) or live (Debian) medium: layers, sources, kernels. */
export async function readLayout(image: IsoImage, files: readonly IsoEntry[]): Promise<LayoutInfo> {
  const dir = files.some((f) => f.path === '/casper' && f.isDirectory)
    ? 'casper'
    : files.some((f) => f.path === '/live' && f.isDirectory)
      ? 'live'
      : null;
  const inDir = dir
    ? files.filter((f) => f.path.startsWith(`/${dir}/`) && !f.path.slice(dir.length + 2).includes('/'))
    : [];
  const has = (path: string) => files.some((f) => f.path === path);
  const squashfs = inDir.filter((f) => f.name.endsWith('.squashfs') && !f.isDirectory);
  const names = squashfs.map((f) => f.name.replace(/\.squashfs$/, ''));
  const layers: LayerInfo[] = [];
  for (const file of squashfs) layers.push(await readLayer(image, file, names, has));
  const diskInfo = (await image.readText('/.disk/info'))?.trim() ?? null;
  return {
    layout: dir ?? 'unknown',
    diskInfo,
    layers,
    layerChains: dir === 'casper' ? layerChains(names) : names.map((name) => [name]),
    installSources: dir === 'casper' ? await readInstallSources(image, names) : [],
    kernels: inDir.filter((f) => /^(hwe-)?vmlinu[xz]/.test(f.name)).map((f) => f.path),
    initrds: inDir.filter((f) => /^(hwe-)?initrd/.test(f.name)).map((f) => f.path),
    md5sums: has('/md5sum.txt') || has('/md5sum.txt'.toUpperCase()),
  };
}

async function readLayer(
  image: IsoImage,
  file: IsoEntry,
  names: readonly string[],
  has: (path: string) => boolean,
): Promise<LayerInfo> {
  const name = file.name.replace(/\.squashfs$/, '');
  const base = file.path.replace(/\.squashfs$/, '');
  // Debian live names its sidecars filesystem.packages / filesystem.size.
  const manifestPath = has(`${base}.manifest`) ? `${base}.manifest` : `${base}.packages`;
  const sizeText = await image.readText(`${base}.size`);
  let superblock: SquashfsSuperblock | null = null;
  let error: string | undefined;
  try {
    superblock = parseSquashfsSuperblock(
      await image.readRange(file.extentLba * SECTOR, Math.min(96, file.size)),
    );
  } catch (cause) {
    error = (cause as Error).message;
  }
  return {
    name,
    path: file.path,
    sizeBytes: file.size,
    lba: file.extentLba,
    superblock,
    ...(error ? { error } : {}),
    manifest: has(manifestPath),
    recordedSize: sizeText && /^\d+\s*$/.test(sizeText) ? Number(sizeText.trim()) : null,
    signature: has(`${file.path}.gpg`),
    chain: layerChain(name, names),
  };
}

async function readInstallSources(image: IsoImage, names: readonly string[]): Promise<InstallSource[]> {
  const text = await image.readText('/casper/install-sources.yaml');
  if (!text) return [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(doc)) return [];
  return doc.map((raw: Record<string, unknown>) => {
    const path = String(raw.path ?? '');
    const name = path.replace(/\.squashfs$/, '');
    return {
      id: String(raw.id ?? ''),
      path,
      size: typeof raw.size === 'number' ? raw.size : null,
      type: typeof raw.type === 'string' ? raw.type : null,
      default: raw.default === true,
      variant: typeof raw.variant === 'string' ? raw.variant : null,
      chain: layerChain(name, names),
    };
  });
}
