import { parse } from 'yaml';
import { findChecksumFiles } from '../distro/checksums.ts';
import { detectLayout, type MediumLayout } from '../distro/layouts/index.ts';
import type { IsoEntry, IsoImage } from '../iso/image.ts';
import { parseSquashfsSuperblock, type SquashfsSuperblock } from '../iso/squashfs.ts';
import { SECTOR } from '../iso/volume.ts';

/** 'plain' is never detected: it is what a medium-only build falls back to on 'unknown'. */
export type Layout = MediumLayout['name'] | 'unknown';

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
  /** The layer's signature sidecar on the medium (LAYER.squashfs.gpg), when it has one. */
  signaturePath: string | null;
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
  /** The checksum files at the medium's root (md5sum.txt, sha256sum.txt...), by ISO path. */
  checksumFiles: string[];
  /** The files that must hold the UUID the medium's initrd expects (casper's .disk/casper-uuid-*). */
  uuidFiles: string[];
}

/** Reads what makes an ISO a casper (Ubuntu) or live (Debian) medium: layers, sources, kernels. */
export async function readLayout(image: IsoImage, files: readonly IsoEntry[]): Promise<LayoutInfo> {
  const layout = detectLayout(new Set(files.filter((f) => f.isDirectory).map((f) => f.path)));
  const dir = layout?.squashfsDir;
  const inDir = dir ? files.filter((f) => !f.isDirectory && f.path === `${dir}/${f.name}`) : [];
  const has = (path: string) => files.some((f) => f.path === path);
  const squashfs = inDir.filter((f) => layout?.layerName(f.name));
  const names = squashfs.map((f) => layout?.layerName(f.name) as string);
  const layers: LayerInfo[] = [];
  for (const file of squashfs) layers.push(await readLayer(image, file, names, has, layout as MediumLayout));
  const diskInfo = (await image.readText('/.disk/info'))?.trim() ?? null;
  const checksumFiles = findChecksumFiles(files.map((f) => f.path)).map((file) => file.path);
  return {
    layout: layout?.name ?? 'unknown',
    diskInfo,
    layers,
    layerChains: layout?.layerChains(names) ?? [],
    installSources: layout ? await readInstallSources(image, layout, names) : [],
    kernels: inDir.filter((f) => layout?.isKernel(f.name)).map((f) => f.path),
    initrds: inDir.filter((f) => layout?.isInitrd(f.name)).map((f) => f.path),
    md5sums: checksumFiles.includes('/md5sum.txt'),
    checksumFiles,
    uuidFiles: files
      .filter((f) => !f.isDirectory && layout?.mediumUuid?.isMediumFile(f.path))
      .map((f) => f.path),
  };
}

async function readLayer(
  image: IsoImage,
  file: IsoEntry,
  names: readonly string[],
  has: (path: string) => boolean,
  layout: MediumLayout,
): Promise<LayerInfo> {
  const name = layout.layerName(file.name) as string;
  const sizeText = await image.readText(layout.sizeSidecar(file.path));
  let superblock: SquashfsSuperblock | null = null;
  let error: string | undefined;
  try {
    superblock = parseSquashfsSuperblock(
      await image.readRange(file.extentLba * SECTOR, Math.min(96, file.size)),
    );
  } catch (cause) {
    error = (cause as Error).message;
  }
  const sidecar = layout.signatureSidecar(file.path);
  return {
    name,
    path: file.path,
    sizeBytes: file.size,
    lba: file.extentLba,
    superblock,
    ...(error ? { error } : {}),
    manifest: has(layout.packagesSidecar(file.path)),
    recordedSize: sizeText && /^\d+\s*$/.test(sizeText) ? Number(sizeText.trim()) : null,
    signature: has(sidecar),
    signaturePath: has(sidecar) ? sidecar : null,
    chain: layout.layerChain(name, names),
  };
}

async function readInstallSources(
  image: IsoImage,
  layout: MediumLayout,
  names: readonly string[],
): Promise<InstallSource[]> {
  const text = layout.installSourcesFile ? await image.readText(layout.installSourcesFile) : null;
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
      chain: layout.layerChain(name, names),
    };
  });
}
