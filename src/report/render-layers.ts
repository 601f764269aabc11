import { formatBytes } from '../ui/format.ts';
import { makeBarChartSvg } from './bars.ts';
import { escapeHtml, section, table } from './html.ts';
import type { ReportData, ReportLayer } from './model.ts';

const size = (bytes: number | null) => (bytes === null ? 'unknown' : formatBytes(bytes));

/** Every layer's squashfs (and unpacked) size before and after, rebuilt ones marked. */
export function renderLayers(data: ReportData): string {
  if (data.layers.length === 0) return section('layers', 'Layer sizes', '<p>The medium has no layers.</p>');
  const chart = makeBarChartSvg({
    title: 'Squashfs sizes on the medium',
    series: [
      { name: 'before (input)', color: '#9ca3af' },
      { name: 'after (output)', color: '#16a34a' },
    ],
    rows: data.layers.map((layer) => ({
      label: layer.rebuilt ? `${layer.name} (rebuilt)` : layer.name,
      values: [layer.squashfsBefore, layer.squashfsAfter],
    })),
    format: formatBytes,
  });
  const rebuilt = data.layers.filter((layer) => layer.rebuilt).length;
  const note =
    rebuilt === 0
      ? '<p>No layer changed: the build changed the medium only.</p>'
      : `<p>${rebuilt} of ${data.layers.length} layers rebuilt${cachedNote(data.layers)}.</p>`;
  return section(
    'layers',
    'Layer sizes',
    `${note}\n<div class="chart">${chart}</div>\n${layerTable(data.layers)}${reproducibility(data.layers)}${endedProcesses(data.layers)}`,
  );
}

/** What the steps left running: a daemon a package script started, ended with the step's sandbox. */
function endedProcesses(layers: readonly ReportLayer[]): string {
  const ended = layers.flatMap((layer) => (layer.ended ?? []).map((process) => ({ ...process, layer })));
  if (ended.length === 0) return '';
  const items = ended.map(
    ({ layer, step, pid, command }) =>
      `<li><code>${escapeHtml(command)}</code> (pid ${pid}), left running by <code>${escapeHtml(step)}</code> in <code>${escapeHtml(layer.name)}</code></li>`,
  );
  return `\n<h3>Processes ended with their step</h3>\n<p>Each step runs in a sandbox of its own; these were still running when their step ended, and ended with it.</p>\n<ul>${items.join('\n')}</ul>`;
}

/**
 * The layers an earlier build made from the same inputs, and what differs: files a step writes
 * differently each time (random ids, times in logs), which SOURCE_DATE_EPOCH cannot fix.
 */
function reproducibility(layers: readonly ReportLayer[]): string {
  const compared = layers.flatMap((layer) =>
    layer.reproducibility ? [{ ...layer.reproducibility, layer }] : [],
  );
  if (compared.length === 0) return '';
  const items = compared.map(({ layer, comparedWith, identical, differingFiles }) => {
    const name = `<code>${escapeHtml(layer.name)}</code>`;
    const earlier = `the build of ${escapeHtml(comparedWith)} with the same inputs`;
    if (identical) return `<li>${name}: <span class="ok">the same bytes</span> as ${earlier}.</li>`;
    const files = differingFiles.map((file) => `<li><code>${escapeHtml(file)}</code></li>`).join('');
    const what = differingFiles.length
      ? `${differingFiles.length} changed ${differingFiles.length === 1 ? 'file differs' : 'files differ'} from ${earlier}:<ul>${files}</ul>`
      : `its bytes differ from ${earlier}, the content of its changed files does not (file times).`;
    return `<li>${name}: <span class="failed">not reproducible</span>: ${what}</li>`;
  });
  return `\n<h3>Reproducibility</h3>\n<ul>${items.join('\n')}</ul>`;
}

/** The columns of every table of a build's layers: the report's and the CLI's summary. */
export const LAYER_COLUMNS = [
  'layer',
  'from',
  'squashfs before',
  'squashfs after',
  'unpacked before',
  'unpacked after',
  'paths changed',
] as const;

const FROM = { built: 'customized by this build', cache: 'the layer cache', none: '&mdash;' } as const;

/** ", K of them from the layer cache" when any rebuilt layer came from there. */
function cachedNote(layers: readonly ReportLayer[]): string {
  const cached = layers.filter((layer) => layer.from === 'cache').length;
  return cached ? `, ${cached} of them taken from the layer cache (customized by an earlier build)` : '';
}

function layerTable(layers: readonly ReportLayer[]): string {
  return table(
    [...LAYER_COLUMNS],
    layers.map((layer) => [
      escapeHtml(layer.name) +
        (layer.rebuilt ? ' <span class="ok">rebuilt</span>' : '') +
        (layer.target ? ` (target <code>${escapeHtml(layer.target)}</code>)` : ''),
      FROM[layer.from ?? 'none'],
      size(layer.squashfsBefore),
      size(layer.squashfsAfter),
      size(layer.unpackedBefore),
      size(layer.unpackedAfter),
      layer.pathsChanged === null ? '-' : String(layer.pathsChanged),
    ]),
  );
}
