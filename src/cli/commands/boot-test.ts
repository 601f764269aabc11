import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { BootTestError, InputError } from '../../errors.ts';
import {
  type BootResult,
  FIRMWARES,
  type Firmware,
  ALL_MEDIA,
  MEDIA,
  type Media,
  MILESTONES,
  type Milestone,
  readMenuTimeoutSeconds,
  describeEnd,
  runBootTest,
} from '../../boottest/index.ts';
import { parseModeList } from '../../boottest/args.ts';
import { makeCopyWithoutElToritoEfi } from '../../boottest/esp-only.ts';
import { checkReadableFile } from '../../safety/input.ts';
import { formatTable } from '../../ui/table.ts';
import type { CliContext } from '../context.ts';

interface BootTestCliOptions {
  firmware: string;
  media: string;
  expect?: string;
  until?: Milestone;
  timeout: string;
  logDir?: string;
  espOnly?: boolean;
  entry?: string;
  json?: boolean;
}

function parseRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new InputError(`--expect is not a valid regular expression: ${source}`, { cause: error });
  }
}

const DESCRIPTION =
  'boot an ISO in QEMU (BIOS/UEFI/Secure Boot; CD, USB, or a GRUB stick loop-mounting it) and check its console for a marker';
const MEDIA_HELP =
  "cdrom, usb, loopback (a stick whose GRUB sources the ISO's loopback.cfg), all (cdrom,usb), or a list: cdrom,loopback";

export function registerBootTest(program: Command, context: CliContext): void {
  program
    .command('boot-test')
    .description(DESCRIPTION)
    .argument('<iso>', 'the ISO to boot')
    .option('--firmware <name>', 'bios, uefi, uefi-secureboot, all, or a list: bios,uefi', 'bios')
    .option('--media <name>', MEDIA_HELP, 'cdrom')
    .option(
      '--expect <regex>',
      "what must appear on the console (default: the sample's ok marker or a login prompt)",
    )
    .addOption(
      new Option('--until <milestone>', 'pass once the boot reaches this milestone (default: login)')
        .choices(MILESTONES)
        .conflicts('expect'),
    )
    .option('--timeout <seconds>', 'give up on a boot after this long', '180')
    .option('--log-dir <dir>', 'where to keep console logs (default: a new temp folder)')
    .option(
      '--esp-only',
      'boot a copy with the El Torito EFI entry disabled: proves the GPT EFI partition (UEFI USB)',
    )
    .option('--entry <title>', 'boot this GRUB menu entry (a copy whose menus default to it)')
    .option('--json', 'print the results as JSON')
    .action((iso: string, options: BootTestCliOptions) => bootAll(iso, options, context));
}

/** Boots ISO in every firmware and media asked for, prints the results, fails if any boot failed. */
async function bootAll(iso: string, options: BootTestCliOptions, context: CliContext): Promise<void> {
  await checkReadableFile(iso, 'ISO');
  const firmwares = parseModeList<Firmware>(options.firmware, FIRMWARES, 'firmware');
  const media = parseModeList<Media>(options.media, MEDIA, 'media', ALL_MEDIA);
  const logDir = options.logDir ?? (await mkdtemp(join(tmpdir(), 'isoforge-boot-')));
  if (options.espOnly) {
    const copy = join(logDir, 'esp-only.iso');
    await makeCopyWithoutElToritoEfi(iso, copy);
    iso = copy;
  }
  const menuTimeoutSeconds = await readMenuTimeoutSeconds(iso);
  const results: BootResult[] = [];
  for (const firmware of firmwares) {
    for (const medium of media) {
      results.push(
        await runBootTest({
          iso,
          firmware,
          media: medium,
          expect: options.expect ? parseRegex(options.expect) : undefined,
          until: options.until,
          menuTimeoutSeconds,
          timeoutSeconds: Number(options.timeout),
          entry: options.entry,
          logDir,
          signal: context.signal,
        }),
      );
    }
  }
  printResults(results, logDir, options.json ?? false);
  const failed = results.filter((result) => !result.passed);
  if (failed.length) {
    const modes = failed.map((r) => `${r.firmware}/${r.media} (${describeEnd(r)})`).join(', ');
    throw new BootTestError(`boot failed in ${modes}; console logs are in ${logDir}`);
  }
}

function printResults(results: readonly BootResult[], logDir: string, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ logDir, results }, null, 2)}\n`);
    return;
  }
  const rows = results.map((r) => [
    `${r.firmware}/${r.media}`,
    r.passed ? 'pass' : 'FAIL',
    r.milestone ?? '-',
    describeEnd(r),
    r.seconds.toFixed(1),
  ]);
  const header = ['mode', 'result', 'reached', 'ended', 'seconds'];
  process.stdout.write(`${formatTable([header, ...rows])}\n`);
  for (const result of results.filter((r) => !r.passed)) {
    process.stdout.write(`\n${result.firmware}/${result.media} console tail (${result.logFile}):\n`);
    process.stdout.write(`${result.tail.map((line) => `  ${line}`).join('\n')}\n`);
  }
  process.stdout.write(`console logs: ${logDir}\n`);
}
