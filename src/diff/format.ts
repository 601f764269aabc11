import { formatBytes } from '../ui/format.ts';
import { formatTable } from '../ui/table.ts';
import type { BootDiff } from './boot.ts';
import type { IsoDiff } from './diff.ts';
import type { FileSize, FilesDiff } from './files.ts';
import type { LayerFilesDiff } from './layer-files.ts';
import type { LayerDiff } from './layers.ts';
import type { ListChange } from './lists.ts';
import type { MenuDiff } from './menus.ts';
import { isPackagesDifferent, type PackagesDiff } from './packages.ts';
import type { RegionPlace, SectorMapDiff } from './sectormap.ts';
import type { FieldChange } from './volume.ts';

/** The terminal view of a diff: one block per section that differs, then a one-line verdict. */
export function formatDiff(diff: IsoDiff): string {
  const side = (name: string, s: IsoDiff['a']) =>
    `${name}: ${s.path} (${formatBytes(s.sizeBytes)}, read ${formatBytes(s.bytesRead)})`;
  const blocks = [
    [side('A', diff.a), side('B', diff.b)],
    volumeLines(diff),
    bootLines(diff.boot),
    sectorMapLines(diff.sectorMap),
    fileLines(diff.files),
    diff.menus.flatMap(menuLines),
    diff.layers.flatMap(layerLines),
  ].filter((lines) => lines.length);
  const verdict = diff.equal ? 'equal (dates aside)' : `different: ${diff.differences.join(', ')}`;
  return [...blocks.map((lines) => lines.join('\n')), readLine(diff), verdict].join('\n\n');
}

/** How little the diff read: the point of comparing tables instead of extracting. */
function readLine(diff: IsoDiff): string {
  const total = diff.a.sizeBytes + diff.b.sizeBytes;
  const percent = total ? ((100 * diff.bytesRead) / total).toFixed(2) : '0';
  return `Read ${formatBytes(diff.bytesRead)} of the two ISOs' ${formatBytes(total)} (${percent}%)`;
}

function hasChange(change: ListChange): boolean {
  return change.added.length + change.removed.length > 0;
}

/** "1.4 KiB -> 1.5 KiB", or exact bytes when rounding would show two equal sizes. */
function sizes(a: number, b: number): string {
  const [x, y] = [formatBytes(a), formatBytes(b)];
  return x === y && a !== b ? `${a} B -> ${b} B` : `${x} -> ${y}`;
}

function fieldRows(changes: readonly FieldChange[]): string[][] {
  return changes.map((c) => [
    `  ${c.field}`,
    typeof c.a === 'number' && typeof c.b === 'number' && /size/i.test(c.field)
      ? sizes(c.a, c.b)
      : `${JSON.stringify(c.a)} -> ${JSON.stringify(c.b)}`,
  ]);
}

function volumeLines(diff: IsoDiff): string[] {
  const { changes, dates } = diff.volume;
  if (!changes.length && !dates.length) return [];
  const rows = [...fieldRows(changes), ...fieldRows(dates).map(([f, v]) => [`${f} (not counted)`, v ?? ''])];
  return ['Volume', formatTable(rows)];
}

function listLines(title: string, change: ListChange): string[] {
  if (!hasChange(change)) return [];
  return [`  ${title}`, ...change.removed.map((x) => `    - ${x}`), ...change.added.map((x) => `    + ${x}`)];
}

function bootLines(boot: BootDiff): string[] {
  const lines = [
    ...listLines('El Torito', boot.eltorito),
    ...(boot.changes.length ? [formatTable(fieldRows(boot.changes))] : []),
    ...listLines('MBR partitions', boot.mbrPartitions),
    ...listLines('GPT partitions', boot.gptPartitions),
    ...listLines('APM partitions', boot.apmPartitions),
  ];
  if (boot.mkisofs.length) {
    const rows = boot.mkisofs.map((row) => [`    ${row.a ?? ''}`, `| ${row.b ?? ''}`]);
    lines.push('  --mkisofs lines that differ (A | B, positions aside)', formatTable(rows));
  }
  return lines.length ? ['Boot', ...lines] : [];
}

function sectorMapLines(map: SectorMapDiff): string[] {
  if (!map.changes.length) return [];
  const place = (p: RegionPlace | null) =>
    p ? `${p.start}..${p.start + p.sectors - 1} (${formatBytes(p.sectors * 512)})` : '-';
  const rows = map.changes.map((c) => [`  ${c.label}`, place(c.a), '->', place(c.b)]);
  const counted = map.regionsAddedOrRemoved ? '' : ' (moved or resized only: not counted)';
  return [`Sector map, 512-byte sectors${counted}`, formatTable(rows)];
}

function fileLines(files: FilesDiff): string[] {
  const { added, removed, changed, unchecked } = files;
  const rows = [
    ...folded('-', removed, files.removedFolders),
    ...folded('+', added, files.addedFolders),
    ...changed.map((f) => [
      '  ~',
      f.path,
      f.sizeA === f.sizeB ? `${formatBytes(f.sizeB)} (${f.decidedBy})` : sizes(f.sizeA, f.sizeB),
    ]),
    ...unchecked.map((f) => ['  ?', f.path, `${formatBytes(f.size)} (same size, not read, not counted)`]),
  ];
  if (!rows.length) return [];
  const counts = `${added.length} added, ${removed.length} removed, ${changed.length} changed`;
  return [`Files: ${counts}`, formatTable(rows)];
}

/** Rows for FILES, those below a folder only one side has folded into one row per folder. */
function folded(mark: string, files: readonly FileSize[], folders: readonly string[]): string[][] {
  const folderOf = (path: string) => folders.find((folder) => path.startsWith(`${folder}/`));
  const rows = folders.flatMap((folder) => {
    const inside = files.filter((f) => folderOf(f.path) === folder);
    const bytes = inside.reduce((sum, f) => sum + f.size, 0);
    return inside.length
      ? [[`  ${mark}`, `${folder}/`, `${inside.length} files, ${formatBytes(bytes)}`]]
      : [];
  });
  const loose = files.filter((f) => !folderOf(f.path)).map((f) => [`  ${mark}`, f.path, formatBytes(f.size)]);
  return [...rows, ...loose];
}

function menuLines(menu: MenuDiff): string[] {
  const seconds = (value: number | null) => (value === null ? 'none' : `${value} s`);
  return [
    `Menu ${menu.file} (${menu.status})`,
    ...(menu.timeout ? [`  timeout ${seconds(menu.timeout.a)} -> ${seconds(menu.timeout.b)}`] : []),
    ...menu.entriesRemoved.map((title) => `  - entry '${title}'`),
    ...menu.entriesAdded.map((title) => `  + entry '${title}'`),
    ...menu.entries.flatMap((e) => [
      `  '${e.title}' ${e.field}:`,
      `    - ${e.a ?? ''}`,
      `    + ${e.b ?? ''}`,
    ]),
  ];
}

function layerLines(layer: LayerDiff): string[] {
  const lines = [`Layer ${layer.name} (${layer.status})`];
  if (layer.changes.length) lines.push(formatTable(fieldRows(layer.changes)));
  if (layer.packages && isPackagesDifferent(layer.packages)) {
    const from =
      layer.packagesFrom === 'dpkg-status'
        ? "the layers' /var/lib/dpkg/status (no manifest)"
        : 'the manifests';
    lines.push(`  Packages, from ${from}:`, ...packageLines(layer.packages));
  }
  if (layer.files) lines.push(...layerFileLines(layer.files));
  return lines;
}

/** Paths listed per kind in the text view; --json lists them all. */
const LAYER_FILES_SHOWN = 40;

function layerFileLines(files: LayerFilesDiff): string[] {
  const { added, removed, changed } = files;
  if (added.length + removed.length + changed.length === 0) return [];
  const capped = (rows: string[]) =>
    rows.length > LAYER_FILES_SHOWN
      ? [
          ...rows.slice(0, LAYER_FILES_SHOWN),
          `    ... ${rows.length - LAYER_FILES_SHOWN} more (--json lists all)`,
        ]
      : rows;
  return [
    `  Files in the layer: ${added.length} added, ${removed.length} removed, ${changed.length} changed`,
    ...capped(removed.map((path) => `    - ${path}`)),
    ...capped(added.map((path) => `    + ${path}`)),
    ...capped(changed.map((c) => `    ~ ${c.path} (${c.fields.join(', ')})`)),
  ];
}

function packageLines(packages: PackagesDiff): string[] {
  return [
    ...packages.removed.map((p) => `  - ${p.name} ${p.version}`),
    ...packages.added.map((p) => `  + ${p.name} ${p.version}`),
    ...packages.upgraded.map((p) => `  ^ ${p.name} ${p.from} -> ${p.to}`),
    ...packages.downgraded.map((p) => `  v ${p.name} ${p.from} -> ${p.to} (downgraded)`),
  ];
}
