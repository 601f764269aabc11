/**
 * The one shell-quoting module: how isoforge prints a command (debug log, --dry-run script,
 * inspect --mkisofs) so that a shell reads back exactly the argv that runs.
 */

/** ARG as the shell needs it: bare when it holds only safe characters, else in single quotes. */
export function quoteShellArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : quoteAlways(arg);
}

/** ARG always in single quotes, a quote inside written '"'"' (the style xorriso's reports print). */
export function quoteAlways(arg: string): string {
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** ARGV as one shell command line. */
export function renderCommand(argv: readonly string[]): string {
  return argv.map(quoteShellArg).join(' ');
}
