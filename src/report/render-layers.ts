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
      : `<p>${rebuilt} of ${data.layers.length} layers rebuilt.</p>`;
  return section(
    'layers',
    'Layer sizes',
    `${note}\n<div class="chart">${chart}</div>\n${layerTable(data.layers)}`,
  );
}

function layerTable(layers: readonly ReportLayer[]): string {
  return table(
    ['layer', 'squashfs before', 'squashfs after', 'unpacked before', 'unpacked after', 'paths changed'],
    layers.map((layer) => [
      escapeHtml(layer.name) + (layer.rebuilt ? ' <span class="ok">rebuilt</span>' : ''),
      size(layer.squashfsBefore),
      size(layer.squashfsAfter),
      size(layer.unpackedBefore),
      size(layer.unpackedAfter),
      layer.pathsChanged === null ? '-' : String(layer.pathsChanged),
    ]),
  );
}
