import { escapeHtml, section, table } from './html.ts';
import type { ReportData } from './model.ts';

/** Every check the build ran on the new ISO, with its outcome. */
export function renderVerify(data: ReportData): string {
  const { checks, ok } = data.verify;
  const failed = checks.filter((check) => check.outcome === 'failed').length;
  const summary = ok
    ? `<p class="ok">All ${checks.length} checks passed or were not applicable.</p>`
    : `<p class="failed">${failed} of ${checks.length} checks failed.</p>`;
  const rows = checks.map((check) => [
    escapeHtml(check.name),
    `<span class="${check.outcome === 'failed' ? 'failed' : check.outcome === 'ok' ? 'ok' : 'muted'}">${escapeHtml(check.outcome)}</span>`,
    escapeHtml(check.detail),
  ]);
  return section(
    'verify',
    'Verification',
    `${summary}\n${renderSetupChanges(data.setupChanges)}\n${table(['check', 'outcome', 'detail'], rows)}`,
  );
}

/** The boot setup line: kept as the input had it, or what the recipe's standardBootSetup changed. */
function renderSetupChanges(changes: readonly string[] | undefined): string {
  if (changes === undefined) return '';
  if (!changes.length)
    return '<p class="setup">Boot setup: the input\'s own, kept (Joliet, gap partition, TOC emulation as it had them).</p>';
  return `<p class="setup">Boot setup: Ubuntu's standard setup restored (standardBootSetup): ${escapeHtml(changes.join(', '))}. Verification expects it.</p>`;
}
