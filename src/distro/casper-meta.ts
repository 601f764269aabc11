import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { layerChain } from './layers.ts';

/**
 * The files that describe casper layers, updated as text so everything else in them (order,
 * comments, formatting) stays as the original had it.
 */

/** An upper layer's .manifest in Ubuntu's sense: the package lines it adds or changes over LOWER. */
export function makeManifestDelta(lower: string, full: string): string {
  const before = new Set(lower.split('\n').filter(Boolean));
  const delta = full.split('\n').filter((line) => line && !before.has(line));
  return delta.length ? `${delta.join('\n')}\n` : '';
}

/**
 * casper/install-sources.yaml: each source's size covers its whole layer chain, so a layer that
 * grew by DELTA bytes grows every source whose chain includes it by the same amount.
 */
export function updateInstallSourcesSizes(
  yamlText: string,
  layerName: string,
  delta: number,
  layers: readonly string[],
): { text: string; changed: string[] } {
  const doc = parseDocument(yamlText);
  const changed: string[] = [];
  const edits: { start: number; end: number; value: string }[] = [];
  if (!isSeq(doc.contents)) return { text: yamlText, changed };
  for (const item of doc.contents.items) {
    if (!isMap(item)) continue;
    const path = String(item.get('path') ?? '');
    const size = item.get('size', true);
    if (!isScalar(size) || typeof size.value !== 'number' || !size.range) continue;
    if (!layerChain(path.replace(/\.squashfs$/, ''), layers).includes(layerName)) continue;
    // Only the number's own characters change: every other byte of the file stays as it was.
    edits.push({ start: size.range[0], end: size.range[1], value: String(size.value + delta) });
    changed.push(String(item.get('id') ?? path));
  }
  let text = yamlText;
  for (const edit of edits.reverse()) text = text.slice(0, edit.start) + edit.value + text.slice(edit.end);
  return { text, changed };
}

export interface Md5Entry {
  hash: string;
  path: string;
}

export function parseMd5sums(text: string): Md5Entry[] {
  return text
    .split('\n')
    .map((line) => /^([0-9a-f]{32})\s+\*?(.+)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ hash: match[1] ?? '', path: match[2] ?? '' }));
}

/** What Ubuntu's md5sum.txt leaves out: itself, and what xorriso rewrites (catalog) or patches (BIOS image). */
export const UBUNTU_MD5_EXCLUDED = ['/md5sum.txt', '/boot.catalog', '/boot/grub/i386-pc/eltorito.img'];

/**
 * md5sum.txt with CHANGED (iso path -> md5) re-hashed or added and REMOVED dropped; every other
 * line is kept as it was. Paths are written "./casper/x" as Ubuntu does.
 */
export function updateMd5sums(
  text: string,
  changed: ReadonlyMap<string, string>,
  removed: readonly string[],
  excluded: readonly string[] = UBUNTU_MD5_EXCLUDED,
): string {
  const dot = (isoPath: string) => `.${isoPath.startsWith('/') ? isoPath : `/${isoPath}`}`;
  const skip = new Set(excluded.map(dot));
  const pending = new Map(
    [...changed].filter(([path]) => !skip.has(dot(path))).map(([path, hash]) => [dot(path), hash]),
  );
  const gone = new Set(removed.map(dot));
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const entry = parseMd5sums(line)[0];
    if (!entry) {
      if (line.trim()) lines.push(line);
      continue;
    }
    if (gone.has(entry.path)) continue;
    const hash = pending.get(entry.path);
    pending.delete(entry.path);
    lines.push(hash ? `${hash}  ${entry.path}` : line);
  }
  for (const [path, hash] of pending) lines.push(`${hash}  ${path}`);
  return `${lines.join('\n')}\n`;
}

/** Files xorriso rewrites or patches when it writes an ISO: md5sum.txt cannot list them (Ubuntu leaves them out). */
export function md5Excluded(bootCatalog: string | null, biosImages: readonly (string | null)[]): string[] {
  return [
    '/md5sum.txt',
    ...(bootCatalog ? [bootCatalog] : []),
    ...biosImages.filter((p): p is string => p !== null),
  ];
}

/**
 * A base layer's .manifest (casper) or filesystem.packages (Debian live): `dpkg-query -W` output
 * as livecd-rootfs and live-build store it, one `name[:arch]\tversion` line per package, sorted.
 */
export function makeFullManifest(dpkgQueryOutput: string): string {
  const lines = dpkgQueryOutput
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.includes('\t'));
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** A .size / filesystem.size file's content: the byte count and a newline, as the guide's printf writes it. */
export function formatDu(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`not a byte count: ${bytes}`);
  return `${bytes}\n`;
}

/** The sidecar files that describe a layer: casper's NAME.manifest/.size, Debian live's filesystem.packages/.size. */
export function layerSidecars(
  squashfsIsoPath: string,
  layout: 'casper' | 'live',
): { packages: string; size: string } {
  const base = squashfsIsoPath.replace(/\.squashfs$/, '');
  return layout === 'live'
    ? { packages: `${base}.packages`, size: `${base}.size` }
    : { packages: `${base}.manifest`, size: `${base}.size` };
}
