/**
 * Figures typed by hand into the README: a number with a unit of time, size or share in prose or a
 * table, outside every `figures:` and `bench:` marked section, fenced code block and code span.
 * Code blocks are sample output and commands; a figure the README states as a fact is measured.
 * A fixed quantity (a limit, a default, a format's rule) is no measurement: it is listed, with its
 * reason, in readme-constants.ts.
 */

export interface ReadmeConstant {
  /** Text on one README line that holds the quantity. */
  text: string;
  why: string;
}

export interface UnmarkedFigure {
  line: number;
  figure: string;
  context: string;
}

const MARKED = /<!-- (figures|bench):([\w-]+) -->[\s\S]*?<!-- \/\1:\2 -->/g;
const FIGURE = /(?<![\w.])\d[\d,.]*\s?(?:s|ms|seconds?|minutes?|hours?|[KMGT]i?B|kB|bytes?|%)(?!\w)/g;

/** Every figure outside a marker, code block or code span that no listed constant covers. */
export function unmarkedFigures(readme: string, constants: readonly ReadmeConstant[]): UnmarkedFigure[] {
  // Marked sections are blanked line for line, so the line numbers stay the README's.
  const text = readme.replace(MARKED, (section) => section.replace(/[^\n]/g, ' '));
  let fenced = false;
  return text.split('\n').flatMap((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || /^\s*(```|~~~)/.test(line)) return [];
    const prose = line.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length));
    const covered = constants.filter((constant) => line.includes(constant.text));
    return [...prose.matchAll(FIGURE)]
      .filter((match) => !covered.some((constant) => constant.text.includes(match[0])))
      .map((match) => ({ line: index + 1, figure: match[0], context: line.trim().slice(0, 120) }));
  });
}
