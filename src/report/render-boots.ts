import { escapeHtml, pre, section, table } from './html.ts';
import type { ReportBoot, ReportData } from './model.ts';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Each boot test: how it ended and when, its milestones, the last console lines, the screen. */
export function renderBoots(data: ReportData): string {
  if (data.boots.length === 0)
    return section(
      'boots',
      'Boot tests',
      '<p class="muted">The recipe asks for no boot test (<code>verify.boot</code>).</p>',
    );
  return section('boots', 'Boot tests', data.boots.map(renderBoot).join('\n'));
}

function renderBoot(boot: ReportBoot): string {
  const outcome = `<span class="${boot.passed ? 'ok' : 'failed'}">${escapeHtml(boot.end)}</span>`;
  const heading = `<h3>${escapeHtml(boot.mode)}: ${outcome} in ${boot.seconds.toFixed(1)} s</h3>`;
  const facts = table(
    ['firmware', 'medium', 'matched'],
    [[escapeHtml(boot.firmware), escapeHtml(boot.media), escapeHtml(boot.matched ?? '-')]],
  );
  const milestones = table(
    ['milestone', 'seconds', 'line'],
    boot.milestones.map((hit) => [escapeHtml(hit.milestone), hit.seconds.toFixed(1), escapeHtml(hit.line)]),
  );
  const picture =
    boot.screenshotPng && BASE64.test(boot.screenshotPng)
      ? `<figure><img class="screenshot" alt="the screen of ${escapeHtml(boot.mode)} when the boot passed" src="data:image/png;base64,${boot.screenshotPng}"><figcaption class="muted">The screen when the marker appeared.</figcaption></figure>`
      : '<p class="muted">No screenshot: the boot did not pass.</p>';
  const console = `<h4>Last console lines</h4>\n${pre(boot.tail.join('\n'))}`;
  return `<div class="boot-test">${heading}\n<div class="boot"><div>${facts}\n${milestones}\n${console}</div><div>${picture}</div></div></div>`;
}
