import type { Command } from 'commander';
import { readReportData, writeReportHtml } from '../../report/files.ts';

/** `isoforge report WORKDIR|OUTPUT.iso`: the build report rendered again from the data the build saved. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render the HTML build report again from the data a build saved')
    .argument(
      '<workdir-or-iso>',
      "the build's work directory or its output ISO (OUTPUT.report.json beside it)",
    )
    .option('--out <file>', 'where the HTML goes (default: where the build wrote it)')
    .action(async (source: string, options: { out?: string }) => {
      const { data } = await readReportData(source);
      process.stdout.write(`wrote ${await writeReportHtml(data, options.out)}\n`);
    });
}
