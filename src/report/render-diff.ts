import { formatDiff } from '../diff/format.ts';
import { escapeHtml, pre, section } from './html.ts';
import type { ReportData } from './model.ts';

/** `isoforge diff INPUT OUTPUT` as the terminal shows it, with its verdict first. */
export function renderDiff(data: ReportData): string {
  const { diff } = data;
  const verdict = diff.equal
    ? '<p>Input and output are equal (dates aside).</p>'
    : `<p>Sections that differ: <strong>${escapeHtml(diff.differences.join(', '))}</strong>.</p>`;
  return section('diff', 'Differences from the input', `${verdict}\n${pre(formatDiff(diff))}`);
}
