import { makeSectorMapSvg } from '../inspect/svg.ts';
import { formatBytes } from '../ui/format.ts';
import { escapeHtml, section } from './html.ts';
import type { ReportData, ReportImage } from './model.ts';

/** The sector maps of input and output, the same pictures `inspect --svg` draws. */
export function renderSectors(data: ReportData): string {
  const map = (side: string, image: ReportImage) =>
    `<h3>${escapeHtml(side)}: ${escapeHtml(image.path)} (${escapeHtml(formatBytes(image.sizeBytes))})</h3>\n` +
    `<div class="map">${makeSectorMapSvg(`${side}: ${image.volumeId}`, image.sectorMap)}</div>`;
  return section('sectors', 'Sector maps', `${map('Input', data.input)}\n${map('Output', data.output)}`);
}
