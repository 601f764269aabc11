import type { CmdlineEdit } from './types.ts';

/** One argument of a command line and where its raw text sits in the line. */
export interface ArgumentToken {
  start: number;
  end: number;
  value: string;
}

/**
 * The separator after which installers (casper, subiquity, d-i) copy arguments to the installed
 * system; older menus (d-i, UNetbootin) write `--`, which the kernel also reads as "the rest is
 * for init", so live-side arguments must go before either.
 */
export const INSTALLED_SEPARATOR = '---';
const SEPARATORS = new Set([INSTALLED_SEPARATOR, '--']);

interface Splice {
  at: number;
  deleteTo: number;
  insert: string;
}

/**
 * EDIT applied to the arguments ARGS of LINE (their offsets in it); END is where the command's
 * last word ends. Removals and additions act on EDIT's side of `---`. With no `---`, the live side
 * is the whole line and the installed side gets a new ` --- ARGS` at the end (`--` counts as `---`). QUOTE writes one
 * argument in the loader's syntax. An argument already on the side is not added again.
 */
export function editArguments(
  line: string,
  args: readonly ArgumentToken[],
  end: number,
  edit: CmdlineEdit,
  quote: (argument: string) => string,
): string {
  const separator = args.findIndex((arg) => SEPARATORS.has(arg.value));
  const side =
    edit.side === 'live'
      ? args.slice(0, separator < 0 ? args.length : separator)
      : separator < 0
        ? []
        : args.slice(separator + 1);
  const removed = side.filter((arg) => edit.remove.some((pattern) => matchesRemoval(arg.value, pattern)));
  const kept = new Set(side.filter((arg) => !removed.includes(arg)).map((arg) => arg.value));
  const additions = [...new Set(edit.add)].filter((arg) => !kept.has(arg)).map(quote);
  const splices: Splice[] = removed.map((arg) => ({
    at: blankStart(line, arg.start),
    deleteTo: arg.end,
    insert: '',
  }));
  if (additions.length) splices.push(insertion(args, separator, end, edit.side, additions.join(' ')));
  // From the end backwards, so earlier offsets stay valid; an insertion at a deletion's end goes first.
  splices.sort((a, b) => b.at - a.at || b.deleteTo - a.deleteTo);
  let result = line;
  for (const splice of splices) {
    result = result.slice(0, splice.at) + splice.insert + result.slice(splice.deleteTo);
  }
  return result;
}

function insertion(
  args: readonly ArgumentToken[],
  separator: number,
  end: number,
  side: CmdlineEdit['side'],
  text: string,
): Splice {
  const separatorToken = args[separator];
  if (side === 'live' && separatorToken) {
    return { at: separatorToken.start, deleteTo: separatorToken.start, insert: `${text} ` };
  }
  const prefix = side === 'installed' && !separatorToken ? ` ${INSTALLED_SEPARATOR} ` : ' ';
  return { at: end, deleteTo: end, insert: `${prefix}${text}` };
}

/** `NAME=` removes every `NAME=VALUE`; anything else removes that exact argument. */
export function matchesRemoval(argument: string, pattern: string): boolean {
  return pattern.endsWith('=') ? argument.startsWith(pattern) : argument === pattern;
}

/** Where the blanks before OFFSET start: a removed argument takes its leading blanks with it. */
function blankStart(line: string, offset: number): number {
  let start = offset;
  while (start > 0 && /[ \t]/.test(line[start - 1] ?? '')) start--;
  return start;
}

/** Kernel arguments are single words in both loaders: a blank or newline inside one is a caller bug. */
export function checkArguments(edit: CmdlineEdit): void {
  for (const argument of [...edit.add, ...edit.remove]) {
    if (!argument || /\s/.test(argument))
      throw new Error(`not one kernel argument: ${JSON.stringify(argument)}`);
  }
}
