import { escapeHtml } from './html.ts';

export interface BarSeries {
  name: string;
  color: string;
}

export interface BarRow {
  label: string;
  /** One value per series; null draws no bar (the value is not known). */
  values: (number | null)[];
}

/**
 * A horizontal bar chart as inline SVG: one group per row, one bar per series, each bar labelled
 * with FORMAT of its value. Widths are true to scale (the largest value fills the plot).
 */
export function makeBarChartSvg(options: {
  title: string;
  series: readonly BarSeries[];
  rows: readonly BarRow[];
  format: (value: number) => string;
}): string {
  const { series, rows } = options;
  const width = 900;
  const labelWidth = 330;
  const valueWidth = 110;
  const plot = width - labelWidth - valueWidth - 20;
  const barHeight = 16;
  const groupHeight = series.length * (barHeight + 2) + 10;
  const top = series.length > 1 ? 56 : 36;
  const max = Math.max(1e-9, ...rows.flatMap((row) => row.values.filter((v): v is number => v !== null)));
  const parts: string[] = [];
  series.forEach((s, i) => {
    if (series.length < 2) return;
    const x = labelWidth + i * 180;
    parts.push(
      `<rect x="${x}" y="32" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${x + 18}" y="43" font-size="13" fill="#374151">${escapeHtml(s.name)}</text>`,
    );
  });
  rows.forEach((row, r) => {
    const y0 = top + r * groupHeight;
    const labelY = y0 + (series.length * (barHeight + 2)) / 2 + 4;
    parts.push(
      `<text x="${labelWidth - 10}" y="${labelY}" font-size="13" fill="#111827" text-anchor="end">${escapeHtml(shorten(row.label, 44))}</text>`,
    );
    row.values.forEach((value, i) => {
      const y = y0 + i * (barHeight + 2);
      const color = series[i]?.color ?? '#6b7280';
      const w = value === null ? 0 : Math.max(2, (value / max) * plot);
      if (value !== null)
        parts.push(
          `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${color}" rx="2"/>`,
        );
      const text = value === null ? 'unknown' : options.format(value);
      parts.push(
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + barHeight - 3}" font-size="12" fill="#374151">${escapeHtml(text)}</text>`,
      );
    });
  });
  const height = top + rows.length * groupHeight + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<title>${escapeHtml(options.title)}</title>`,
    `<text x="10" y="20" font-size="15" font-weight="bold" fill="#111827">${escapeHtml(options.title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
