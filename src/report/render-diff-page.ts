import type { IsoDiff } from '../diff/diff.ts';
import { formatDiff } from '../diff/format.ts';
import { formatBytes } from '../ui/format.ts';
import { escapeHtml, page, pre, section, table } from './html.ts';

/** `isoforge diff A B --html FILE`: the verdict, the sections that differ, the terminal view, one page. */
export function renderDiffHtml(diff: IsoDiff): string {
  const side = (name: string, s: IsoDiff['a']) => [
    name,
    escapeHtml(s.path),
    escapeHtml(formatBytes(s.sizeBytes)),
    escapeHtml(formatBytes(s.bytesRead)),
  ];
  const sides = table(['', 'ISO', 'size', 'read'], [side('A', diff.a), side('B', diff.b)]);
  const verdict = diff.equal
    ? '<p class="ok">Equal (dates aside).</p>'
    : `<p>Sections that differ: <strong>${escapeHtml(diff.differences.join(', '))}</strong>.</p>`;
  return page({
    title: `isoforge diff: ${diff.a.path} ${diff.b.path}`,
    heading: `isoforge diff <span class="${diff.equal ? 'ok' : 'failed'}">(${diff.equal ? 'equal' : 'different'})</span>`,
    subtitle: `${diff.a.path} -> ${diff.b.path}`,
    nav: '<a href="#summary">Summary</a><a href="#diff">Differences</a>',
    main: [
      section('summary', 'Summary', `${sides}\n${verdict}`),
      section('diff', 'Differences', pre(formatDiff(diff))),
    ].join('\n'),
  });
}
