/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One `<section>` with an id (the page's table of contents links to it) and an h2 heading. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${escapeHtml(id)}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/** A table of already-escaped cells; HEAD is the header row. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], className = ''): string {
  const th = head.map((cell) => `<th>${cell}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${th}</tr></thead>\n<tbody>${body}</tbody></table>`;
}

/** A block of preformatted text, escaped. */
export function pre(text: string, className = ''): string {
  return `<pre${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</pre>`;
}

/** A whole self-contained page: inline style, a content policy that allows no script and no network. */
export function page(parts: {
  title: string;
  heading: string;
  subtitle: string;
  nav: string;
  main: string;
}): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(parts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${parts.heading}</h1>
<p>${escapeHtml(parts.subtitle)}</p>
</header>
<nav>${parts.nav}</nav>
<main>
${parts.main}
</main>
</body>
</html>
`;
}

/** The page's whole style: inline, so the file needs nothing else to read. */
export const STYLE = `
:root { color-scheme: light; --ok: #1e8449; --bad: #c0392b; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f3f4f6; }
header { background: #1f2937; color: #f9fafb; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #d1d5db; }
nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); }
nav a { margin-right: 16px; color: #2563eb; text-decoration: none; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 24px 48px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 20px 16px; margin: 20px 0; }
h2 { font-size: 19px; margin: 12px 0; }
h3 { font-size: 16px; margin: 16px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { white-space: nowrap; }
/* The last column holds the long words (check details, console lines): only it breaks them. */
td:last-child { overflow-wrap: anywhere; }
th { background: #f9fafb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #111827; color: #e5e7eb; padding: 12px; border-radius: 6px; overflow-x: auto; font-size: 13px; line-height: 1.4; }
pre.recipe { background: #f9fafb; color: #111827; border: 1px solid var(--line); }
.ok { color: var(--ok); font-weight: 600; }
.failed { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
.chart svg, .map svg { max-width: 100%; height: auto; display: block; }
.boot { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; align-items: start; }
.boot img { width: 100%; height: auto; border: 1px solid #374151; image-rendering: pixelated; background: #000; }
@media (max-width: 800px) { .boot { grid-template-columns: 1fr; } }
`;
