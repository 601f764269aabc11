import type { Command } from 'commander';
import { ExitCode, MissingToolError } from '../../errors.ts';
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
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ checks, fix }, null, 2)}\n`);
      } else {
        const rows = checks.map((c) => [c.name, c.found ?? '-', c.minimum ?? '-', c.aptPackage, c.status]);
        process.stdout.write(
          `${formatTable([['program', 'found', 'minimum', 'package', 'status'], ...rows])}\n`,
        );
        if (fix) process.stdout.write(`\nto fix: ${fix}\n`);
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
