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
