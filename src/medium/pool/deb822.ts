/**
 * Debian control-file stanzas (deb822, Debian Policy 5.1) as apt's Packages and Release files
 * hold them: pure functions over text. A stanza keeps its original text so an index entry the
 * medium already had is written back byte for byte.
 */
export interface Stanza {
  /** The stanza's lines as read, without the blank line that ends it. */
  text: string;
  /** Field names (case as written) to their value; continuation lines are joined with '\n'. */
  fields: Map<string, string>;
}

/** The stanzas of TEXT, separated by blank lines. */
export function parseStanzas(text: string): Stanza[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => block.replace(/^\n+|\n+$/g, ''))
    .filter((block) => block.trim() !== '')
    .map((block) => ({ text: block, fields: parseFields(block) }));
}

function parseFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let current: string | null = null;
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line) && current !== null) {
      fields.set(current, `${fields.get(current) ?? ''}\n${line.trim()}`);
      continue;
    }
    const match = /^([^:\s]+):[ \t]*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    current = match[1];
    fields.set(current, match[2] ?? '');
  }
  return fields;
}

/** The value of NAME in STANZA, matched case-insensitively as apt does. */
export function fieldOf(stanza: Stanza, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of stanza.fields) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Stanzas written back as an index: each followed by one blank line. */
export function formatStanzas(stanzas: readonly Stanza[]): string {
  return stanzas.map((stanza) => `${stanza.text}\n\n`).join('');
}
