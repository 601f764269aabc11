import { formatBytes } from '../ui/format.ts';
import { escapeHtml, page } from './html.ts';
import type { ReportData } from './model.ts';
import { renderBoots } from './render-boots.ts';
import { renderDiff } from './render-diff.ts';
import { renderLayers } from './render-layers.ts';
import { renderRecipe } from './render-recipe.ts';
import { renderSectors } from './render-sectors.ts';
import { renderStages } from './render-stages.ts';
import { renderVerify } from './render-verify.ts';

export { type ReportData, REPORT_FORMAT } from './model.ts';

const SECTIONS: [id: string, title: string, render: (data: ReportData) => string][] = [
  ['recipe', 'Recipe', renderRecipe],
  ['stages', 'Stage timings', renderStages],
  ['layers', 'Layer sizes', renderLayers],
  ['diff', 'Differences', renderDiff],
  ['verify', 'Verification', renderVerify],
  ['sectors', 'Sector maps', renderSectors],
  ['boots', 'Boot tests', renderBoots],
];

/** The build report as one self-contained HTML page: inline CSS and SVG, no script, no network. */
export function renderReportHtml(data: ReportData): string {
  const title = `isoforge build: ${data.output.path}`;
  const nav = SECTIONS.map(([id, name]) => `<a href="#${id}">${escapeHtml(name)}</a>`).join('');
  const verdict = data.verify.ok && data.boots.every((boot) => boot.passed) ? 'verified' : 'NOT verified';
  return page({
    title,
    heading: `${escapeHtml(data.output.path)} <span class="${verdict === 'verified' ? 'ok' : 'failed'}">(${verdict})</span>`,
    subtitle: `${data.output.volumeId}, ${formatBytes(data.output.sizeBytes)}, from ${data.input.path} (${formatBytes(data.input.sizeBytes)}); built ${data.createdAt}${describeBuildCache(data)}`,
    nav,
    main: SECTIONS.map(([, , render]) => render(data)).join('\n'),
  });
}

/** An up-to-date build says where its ISO and these findings come from. */
function describeBuildCache(data: ReportData): string {
  const from = data.buildCache;
  if (!from) return '';
  const boots = data.boots.length ? '; the boot tests below ran in that build' : '';
  return `; up to date: from the build cache (key ${from.key.slice(0, 12)}, built and verified at ${from.builtAt}${boots})`;
}
