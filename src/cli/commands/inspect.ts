import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { inspectIso } from '../../inspect/inspect.ts';
import { formatSectorMap } from '../../inspect/sectormap.ts';
import { formatSummary } from '../../inspect/summary.ts';
import { makeSectorMapSvg } from '../../inspect/svg.ts';

interface InspectOptions {
  json?: boolean;
  map?: boolean;
  svg?: string;
  mkisofs?: boolean;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show everything about an ISO: volume, El Torito, MBR/GPT, layers, boot menus, sector map')
    .argument('<iso>', 'the ISO image to read (never modified, never mounted)')
    .option('--json', 'print one JSON document (schema in the README)')
    .option('--map', 'print the sector allocation map')
    .option('--svg <file>', 'write the sector map as an SVG picture')
    .option('--mkisofs', "print the xorriso -as mkisofs boot arguments that rebuild this ISO's boot setup")
    .action(async (iso: string, options: InspectOptions) => {
      const report = await inspectIso(iso, { bootChains: !options.map && !options.mkisofs });
      if (options.svg)
        await writeFile(options.svg, makeSectorMapSvg(`${report.volumeId} (${iso})`, report.sectorMap));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      if (options.mkisofs) {
        process.stdout.write(`${report.mkisofsArgs.join('\n')}\n`);
        return;
      }
      if (options.map) {
        process.stdout.write(`${formatSectorMap(report.sectorMap)}\n`);
        return;
      }
      process.stdout.write(`${formatSummary(report)}\n`);
      if (options.svg) process.stdout.write(`sector map written to ${options.svg}\n`);
    });
}
