import { makeBarChartSvg } from './bars.ts';
import { escapeHtml, section, table } from './html.ts';
import type { ReportData } from './model.ts';

/** How long each stage took, as a bar chart and the exact seconds. */
export function renderStages(data: ReportData): string {
  const total = data.stages.reduce((sum, stage) => sum + stage.seconds, 0);
  const chart = makeBarChartSvg({
    title: `Stage timings (${total.toFixed(1)} s in all)`,
    series: [{ name: 'seconds', color: '#2563eb' }],
    rows: data.stages.map((stage) => ({ label: stage.title, values: [stage.seconds] })),
    format: (seconds) => `${seconds.toFixed(1)} s`,
  });
  const rows = data.stages.map((stage) => [
    escapeHtml(stage.title),
    `<span class="num">${stage.seconds.toFixed(1)}</span>`,
  ]);
  return section(
    'stages',
    'Stage timings',
    `<div class="chart">${chart}</div>\n${table(['stage', 'seconds'], rows)}`,
  );
}
