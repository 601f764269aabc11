import { escapeHtml, pre, section } from './html.ts';
import type { ReportData } from './model.ts';

/** The recipe exactly as the build read it. */
export function renderRecipe(data: ReportData): string {
  const body = `<p>From <code>${escapeHtml(data.recipe.path)}</code>:</p>\n${pre(data.recipe.text, 'recipe')}`;
  return section('recipe', 'Recipe', body);
}
