import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, isIsoforgeError, IsoforgeError } from '../errors.ts';
import { closeLogFile, log, setVerbose } from '../ui/log.ts';
import { RunInNamespace, runInNamespace, watchOuterProcess } from '../rootless/namespace.ts';
import { selectCommands } from './commands/index.ts';
import { makeInterruptContext } from './context.ts';

/**
 * The one place that decides exit codes and prints errors: commands throw, main reports.
 */
async function main(argv: string[]): Promise<number> {
  const context = makeInterruptContext((line) => process.stderr.write(`${line}\n`));
  // The rootless half of a command ends itself, cleanly, when its outer process is killed.
  watchOuterProcess(() => process.kill(process.pid, 'SIGTERM'));
  const program = new Command('isoforge')
    .description('Remaster Ubuntu and Debian live installer ISOs from a recipe')
    .version(readPackageVersion())
    .option('-v, --verbose', 'print debug logs (every command run) on stderr')
    .showHelpAfterError()
    .exitOverride();
  program.hook('preAction', (command) => setVerbose(Boolean(command.optsWithGlobals().verbose)));
  for (const command of selectCommands(argv.slice(2))) (await command.load())(program, context);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof RunInNamespace) return runInNamespace(argv, context.signal);
    return reportError(error);
  } finally {
    await closeLogFile();
  }
}

/** package.json's version: src/cli and dist/cli both sit two folders below it. */
function readPackageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed help or the usage problem.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  if (isIsoforgeError(error)) {
    printError(error);
    return error.exitCode;
  }
  log.error({ err: error }, 'unexpected error');
  process.stderr.write(`isoforge: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.failure;
}

function printError(error: IsoforgeError): void {
  const hint = error.hint ? ` (${error.hint})` : '';
  log.error({ err: error, code: error.code }, error.message);
  process.stderr.write(`isoforge: error: ${error.message}${hint}\n`);
}

process.exitCode = await main(process.argv);
