/**
 * GRUB's script lexer, as far as menus need it (grub.texi, "Shell-like scripting"): words split at
 * blanks, `\` escapes one character, '...' is literal, "..." keeps `\` only before $ " \ and
 * newline; a command ends at an unquoted ; | & or a word starting with #.
 */
export interface GrubWord {
  /** Offsets of the word's raw text in the line. */
  start: number;
  end: number;
  /** The word after quote removal; $variables stay as written. */
  value: string;
}

const BLANK = new Set([' ', '\t', '\r']);
const COMMAND_END = new Set([';', '|', '&', '\n']);
const DOUBLE_QUOTE_ESCAPES = new Set(['$', '"', '\\', '\n']);

/** The words of the first command on LINE. */
export function parseGrubWords(line: string): GrubWord[] {
  const words: GrubWord[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && BLANK.has(line[i] ?? '')) i++;
    const c = line[i];
    if (c === undefined || COMMAND_END.has(c) || c === '#') return words;
    const word = readWord(line, i);
    words.push(word);
    i = word.end;
  }
}

function readWord(line: string, start: number): GrubWord {
  let value = '';
  let i = start;
  while (i < line.length) {
    const c = line[i] ?? '';
    if (BLANK.has(c) || COMMAND_END.has(c)) break;
    if (c === '\\') {
      value += line[i + 1] ?? '';
      i += 2;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      const end = close < 0 ? line.length : close;
      value += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        const next = line[i + 1] ?? '';
        if (line[i] === '\\' && DOUBLE_QUOTE_ESCAPES.has(next)) {
          value += next;
          i += 2;
        } else {
          value += line[i];
          i++;
        }
      }
      i++;
    } else {
      value += c;
      i++;
    }
  }
  return { start, end: Math.min(i, line.length), value };
}

/**
 * One kernel argument as a GRUB word: every metacharacter escaped, so the kernel receives the
 * argument exactly as written (`ds=nocloud;s=/x/` becomes `ds=nocloud\;s=/x/`; `$` stays literal).
 */
export function quoteGrubWord(value: string): string {
  return value.replace(/[\s{}|&$;<>"'\\#]/g, '\\$&');
}

/** A title or default value as a double-quoted GRUB string, the style Ubuntu's menus use. */
export function quoteGrubString(value: string): string {
  return `"${value.replace(/[\\"$]/g, '\\$&')}"`;
}
