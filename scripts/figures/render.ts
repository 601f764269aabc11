/**
 * The README's figures, rendered from the results file `npm run timings` writes (docs/figures.json).
 * Each figure lives in the README between `<!-- figures:NAME -->` and `<!-- /figures:NAME -->`;
 * nothing between those marks is typed by hand, and a unit test checks they equal this rendering.
 * Pure: results in, text out.
 */
import { formatTable } from '../../src/ui/table.ts';

export interface Measurement {
  value: number;
  measuredAt: string;
  /** The 1-minute load average when the measure ended: the machine is shared. */
  loadAverage?: number;
}

export interface FiguresFile {
  machine: string;
  figures: Record<string, Measurement>;
}

/** What each measurement is; the timings table lists the `seconds` ones in this order. */
export const MEASURES = {
  'sample-cold': 'seconds: `isoforge sample`, cold: empty cache, everything downloaded',
  'sample-layers-rebuilt': 'seconds: `isoforge sample`, layers rebuilt from cached downloads',
  'sample-secure-boot': 'seconds: `isoforge sample --secure-boot` after a plain sample (layers cached)',
  'sample-cached': 'seconds: `isoforge sample`, cached',
  'boot-bios-cdrom': 'seconds: boot-test bios/cdrom',
  'boot-bios-usb': 'seconds: boot-test bios/usb',
  'boot-uefi-cdrom': 'seconds: boot-test uefi/cdrom',
  'boot-uefi-usb': 'seconds: boot-test uefi/usb',
  'boot-uefi-secureboot-cdrom': 'seconds: boot-test uefi-secureboot/cdrom (signed sample)',
  'boot-uefi-secureboot-usb': 'seconds: boot-test uefi-secureboot/usb (signed sample)',
  'build-sample-yaml':
    'seconds: `isoforge build examples/sample.yaml` without its boot tests (apt from the Debian archive)',
  'inspect-sample': 'seconds: `isoforge inspect --json` on the sample (in process)',
  'demo-fresh':
    'seconds: `npm run demo` on a fresh clone with an empty cache (npm ci, sample, build with 2 boots)',
  'npm-test':
    'seconds: `npm test` on a fresh clone with an empty cache of its own (fixtures, suite, reliability)',
  'e2e-boot': 'seconds: test/e2e/boot.test.ts (the QEMU boot tests), inside that `npm test`',
  reliability: 'seconds: `npm run reliability`, inside that `npm test`',
  'diff-2gb': 'seconds: `isoforge diff A B --json` of two 2 GB-class ISOs (bench/diff.ts)',
  'sample-bytes': 'bytes: size of the sample ISO',
  'inspect-sample-bytes-read': 'bytes: what `isoforge inspect` reads of the sample',
  'sample-base-layer-bytes': "bytes: the sample's base layer (ubuntu-server-minimal.squashfs)",
  'sample-base-layer-unpacked-bytes': "bytes: the sample's base layer unpacked (its .size)",
  'diff-2gb-a-bytes': 'bytes: the first ISO of bench/diff.ts (the sample with a 1.9 GiB file)',
  'diff-2gb-b-bytes': 'bytes: the second ISO of bench/diff.ts (its layer remaster, the same file)',
  'diff-2gb-a-read': 'bytes: what that diff read of the first ISO',
  'diff-2gb-b-read': 'bytes: what that diff read of the second ISO',
  'block-reuse-bytes': 'bytes: the block-reuse layer of test/integration/block-reuse.test.ts (bytes_used)',
  'block-reuse-full-bytes': 'bytes: a full mksquashfs of the same tree in that test (bytes_used)',
} as const;

export type MeasureName = keyof typeof MEASURES;

function value(results: FiguresFile, name: MeasureName): number | undefined {
  return results.figures[name]?.value;
}

/** Figures read off another measure's run: naming them runs that measure. */
const MEASURED_BY: Partial<Record<MeasureName, MeasureName>> = {
  'e2e-boot': 'npm-test',
  reliability: 'npm-test',
};

function notMeasured(name: MeasureName): string {
  return `not measured yet (\`npm run timings -- ${MEASURED_BY[name] ?? name}\`)`;
}

function seconds(results: FiguresFile, name: MeasureName): string {
  const measured = value(results, name);
  if (measured === undefined) return notMeasured(name);
  return measured < 10 ? measured.toFixed(1) : measured.toFixed(0);
}

/** Seconds with their unit, for a sentence. */
function secondsText(results: FiguresFile, name: MeasureName): string {
  return value(results, name) === undefined ? notMeasured(name) : `${seconds(results, name)} s`;
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? 'not measured' : `${(bytes / 1_000_000).toFixed(0)} MB`;
}

function timingsTable(results: FiguresFile): string {
  const rows = (Object.keys(MEASURES) as MeasureName[])
    .filter((name) => MEASURES[name].startsWith('seconds: '))
    .map((name) => [MEASURES[name].slice('seconds: '.length), seconds(results, name)]);
  const measured = Object.values(results.figures);
  const dates = [...new Set(measured.map((m) => m.measuredAt.slice(0, 10)))].sort();
  const span = dates.length > 1 ? `${dates[0]} to ${dates.at(-1)}` : (dates[0] ?? 'never');
  const loads = measured.flatMap((m) => (m.loadAverage === undefined ? [] : [m.loadAverage]));
  const load = loads.length
    ? `\nThe 1-minute load average at the end of a measure, where recorded (${loads.length} of ${measured.length}), was ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}.`
    : '';
  // The blank first line keeps Prettier's Markdown formatting (a blank line before a fence) stable.
  return [
    '',
    '```text',
    formatTable([['what', 'seconds'], ...rows]),
    '```',
    '',
    `Measured by \`npm run timings\` (docs/figures.json, ${span}) on ${results.machine}: the kind`,
    `of machine CI runs on, here shared with other builds, so figures move by tens of percent with load.${load}`,
  ].join('\n');
}

function bootRange(results: FiguresFile): string {
  const boots = (Object.keys(MEASURES) as MeasureName[])
    .filter((name) => name.startsWith('boot-'))
    .map((name) => value(results, name))
    .filter((v) => v !== undefined);
  if (!boots.length) return 'not measured';
  return `${Math.min(...boots).toFixed(0)} to ${Math.max(...boots).toFixed(0)} seconds`;
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const grouped = (bytes: number) => bytes.toLocaleString('en-US');

/** What bench/diff.ts's diff read of its two 2 GB-class ISOs, and its wall time. */
function diffBench(results: FiguresFile): string {
  const [a, b, readA, readB] = (
    ['diff-2gb-a-bytes', 'diff-2gb-b-bytes', 'diff-2gb-a-read', 'diff-2gb-b-read'] as const
  ).map((name) => value(results, name));
  if (a === undefined || b === undefined || readA === undefined || readB === undefined)
    return notMeasured('diff-2gb');
  const read = readA + readB;
  const percent = ((100 * read) / (a + b)).toFixed(4);
  return (
    `A ${mib(a)}, B ${mib(b)}; bytesRead ${readA} of A and ${readB} of B, ${read} bytes ` +
    `(${(read / 1024).toFixed(1)} KiB) of the two ISOs' ${mib(a + b)} (${percent}%); ${secondsText(results, 'diff-2gb')} wall`
  );
}

function blockReuseSize(results: FiguresFile): string {
  const reuse = value(results, 'block-reuse-bytes');
  const full = value(results, 'block-reuse-full-bytes');
  if (reuse === undefined || full === undefined) return notMeasured('block-reuse-bytes');
  return (
    `${grouped(reuse)} bytes for the block-reuse layer against ${grouped(full)} for a full ` +
    `mksquashfs of the same tree (ratio ${(reuse / full).toFixed(4)})`
  );
}

/** Every marked section's content, by name. */
export function renderFigures(results: FiguresFile): Map<string, string> {
  const kib = value(results, 'inspect-sample-bytes-read');
  return new Map([
    ['timings', timingsTable(results)],
    ['sample-size', megabytes(value(results, 'sample-bytes'))],
    [
      'sample-times',
      `${secondsText(results, 'sample-cold')} the first time, ${secondsText(results, 'sample-cached')} after`,
    ],
    [
      'inspect-bytes',
      `${kib === undefined ? 'not measured' : `${(kib / 1024).toFixed(0)} KiB`} of the ${megabytes(value(results, 'sample-bytes'))} sample`,
    ],
    ['boot-range', bootRange(results)],
    [
      'base-layer-size',
      `${megabytes(value(results, 'sample-base-layer-bytes'))} (${megabytes(value(results, 'sample-base-layer-unpacked-bytes'))} unpacked)`,
    ],
    ['reliability-time', secondsText(results, 'reliability')],
    ['diff-2gb', diffBench(results)],
    ['block-reuse-size', blockReuseSize(results)],
  ]);
}

const SECTION = /<!-- figures:([\w-]+) -->([\s\S]*?)<!-- \/figures:\1 -->/g;

/** Every marked section of TEXT, in order, with its content as written: a marker used twice appears twice. */
export function readFigureSections(text: string): [name: string, content: string][] {
  return [...text.matchAll(SECTION)].map((match) => [match[1] ?? '', unwrap(match[2] ?? '')]);
}

/** TEXT with every marked section's content replaced by the rendering (block sections on their own lines). */
export function writeFigureSections(text: string, rendered: ReadonlyMap<string, string>): string {
  return text.replace(SECTION, (whole, name: string, content: string) => {
    const fresh = rendered.get(name);
    if (fresh === undefined) return whole;
    const block = content.startsWith('\n');
    return `<!-- figures:${name} -->${block ? `\n${fresh}\n` : fresh}<!-- /figures:${name} -->`;
  });
}

// Block sections keep their content on lines of its own; inline ones sit in a sentence.
function unwrap(content: string): string {
  return content.startsWith('\n') ? content.slice(1, -1) : content;
}
