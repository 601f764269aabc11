import { relative, dirname } from 'node:path';
import { escapeHtml, page, section, table } from './html.ts';

/** One variant of a fleet build, as the index page shows it. */
export interface VariantRow {
  name: string;
  output: string;
  /** The variant's own build report (HTML), or null when the build did not get that far. */
  report: string | null;
  /** ok: built and verified; cached: the whole output came from the build cache; failed: it stopped. */
  outcome: 'ok' | 'cached' | 'failed';
  seconds: number;
  detail: string;
}

/** The page that covers every variant of one recipe, linking each variant's own report page. */
export function renderVariantsPage(recipe: string, rows: readonly VariantRow[], htmlPath: string): string {
  const here = dirname(htmlPath);
  const link = (path: string | null) =>
    path ? `<a href="${escapeHtml(relative(here, path))}">report</a>` : '<span class="muted">none</span>';
  const body = table(
    ['variant', 'outcome', 'seconds', 'ISO', 'page', 'detail'],
    rows.map((row) => [
      escapeHtml(row.name),
      `<span class="${row.outcome === 'failed' ? 'failed' : 'ok'}">${row.outcome}</span>`,
      row.seconds.toFixed(1),
      escapeHtml(relative(here, row.output)),
      link(row.report),
      escapeHtml(row.detail),
    ]),
  );
  const failed = rows.filter((row) => row.outcome === 'failed').length;
  const summary = `${rows.length} variants: ${rows.length - failed} built, ${failed} failed`;
  return page({
    title: `isoforge variants: ${recipe}`,
    heading: 'isoforge variants',
    subtitle: `${recipe}: ${summary}`,
    nav: '<a href="#variants">Variants</a>',
    main: section('variants', 'Variants', `<p>${escapeHtml(summary)}</p>\n${body}`),
  });
}
