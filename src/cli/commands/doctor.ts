import type { Command } from 'commander';
import { ExitCode, MissingToolError } from '../../errors.ts';
import { checkRootlessNeeds, type RootlessNeed } from '../../rootless/requirements.ts';
import { aptFixLine, checkEnvironment, isFatal, type ProgramCheck } from '../../tools/doctor.ts';
import { formatTable } from '../../ui/table.ts';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check every external program isoforge uses and print the apt-get line that fixes gaps')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const checks = await checkEnvironment();
      const fix = aptFixLine(checks);
      // Root builds need none of it; an ordinary user's layer build needs all of it.
      const rootless = process.getuid?.() === 0 ? null : await checkRootlessNeeds();
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ checks, fix, rootless }, null, 2)}\n`);
      } else {
        const rows = checks.map((c) => [c.name, c.found ?? '-', c.minimum ?? '-', c.aptPackage, c.status]);
        process.stdout.write(
          `${formatTable([['program', 'found', 'minimum', 'package', 'status'], ...rows])}\n`,
        );
        if (fix) process.stdout.write(`\nto fix: ${fix}\n`);
        process.stdout.write(`\n${describeRootless(rootless)}\n`);
      }
      const fatal = checks.find(isFatal);
      if (fatal) throw new MissingToolError(fatal.name, fatal.aptPackage, describeFatal(fatal));
      if (fix) process.exitCode = ExitCode.ok;
    });
}

function describeFatal(check: ProgramCheck): string {
  if (check.status === 'too-old') {
    return `${check.name} ${check.found} is too old: isoforge needs ${check.minimum} or newer`;
  }
  return `required program '${check.name}' was not found on PATH`;
}

/** The rootless table: what a layer build by an ordinary user needs, and how to get what is missing. */
function describeRootless(needs: readonly RootlessNeed[] | null): string {
  if (!needs) return 'rootless mode: not needed by root (run `isoforge doctor` as the user who will build)';
  const rows = needs.map((need) => [
    need.name,
    need.ok ? 'ok' : 'missing',
    need.found,
    need.ok ? '' : need.fix,
  ]);
  const ready = needs.every((need) => need.ok);
  const title = ready
    ? 'rootless mode (layer builds by an ordinary user): ready for this user'
    : 'rootless mode (layer builds by an ordinary user): not available to this user';
  return `${title}\n${formatTable([['need', 'status', 'found', 'fix'], ...rows])}`;
}
