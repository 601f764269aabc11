import { runCommand } from '../tools/exec.ts';
import { runXorrisoReport } from '../tools/xorriso.ts';
import { outcomeOf, type VerifyCheck } from './check.ts';

/**
 * The guide's own checks, run with the tools it names: `xorriso -report_el_torito as_mkisofs`
 * and `fdisk -l` of output and original compared with every sector number taken out.
 */

/**
 * Lines xorriso derives from the image's size or that other checks compare: the MBR geometry it
 * picks once an image passes 1 GiB or so (a medium that grew), and the boot flag, which the MBR
 * partition and fdisk checks compare by partition.
 */
const SIZE_DERIVED =
  /^(-V |--modification-date|-partition_hd_cyl |-partition_sec_hd |-partition_cyl_align |--mbr-force-bootable)/;

/** `-report_el_torito as_mkisofs` lines without positions, volume id (a recipe may change it), date, file name and geometry. */
export function normaliseAsMkisofs(lines: readonly string[], iso: string): string[] {
  return lines
    .filter((line) => line.startsWith('-') && !SIZE_DERIVED.test(line))
    .map((line) =>
      line
        .replaceAll(iso, 'ISO')
        .replace(/\d+[sd]?-\d+[sd]?/g, 'N-N')
        .replace(/_start_\d+s_size_\d+d/, ''),
    );
}

/** How fdisk -l shows xorriso's gap partition (its GPT type: Microsoft basic data). */
const GAP_ROW = 'Microsoft basic data';

export interface FdiskLayout {
  label: string;
  /** Partition types in table order; a dos partition with the boot flag is marked `(boot)`. */
  types: string[];
  warnings: string;
}

/**
 * One row of fdisk -l's table, read after the device name DEVICE+N or DEVICE+pN (which may hold
 * spaces): dos rows are `[*] Start End Sectors Size Id Type...`, gpt rows `Start End Sectors Size Type...`.
 * The Boot column's `*` is optional, so fields are counted only after it is taken off.
 */
function parseFdiskRow(row: string, device: string): string {
  // fdisk names partition N of a path ending in a digit `PATHpN`, of any other path `PATHN`.
  const afterDevice = row.startsWith(device)
    ? row.slice(device.length).replace(/^p?\d+/, '')
    : row.replace(/^\S+/, '');
  const fields = afterDevice.trim().split(/\s+/);
  const bootable = fields[0] === '*';
  const type = fields.slice(bootable ? 5 : 4).join(' ');
  return bootable ? `${type} (boot)` : type;
}

/** fdisk -l DEVICE's label type and partition types in order, plus any complaint it has (e.g. a GPT not at the end). */
export function parseFdiskLayout(stdout: string, stderr: string, device: string): FdiskLayout {
  const lines = stdout.split('\n');
  const header = lines.findIndex((line) => line.startsWith('Device '));
  const table = header < 0 ? [] : lines.slice(header + 1);
  // The table ends at the first blank line; notes such as "Partition table entries are not in disk order." follow it.
  const end = table.findIndex((line) => !line.trim());
  const types = (end < 0 ? table : table.slice(0, end)).map((row) => parseFdiskRow(row, device));
  const label =
    lines
      .find((line) => line.startsWith('Disklabel type'))
      ?.split(':')[1]
      ?.trim() ?? 'none';
  return { label, types, warnings: stderr.trim() };
}

async function readFdiskLayout(iso: string, signal?: AbortSignal): Promise<FdiskLayout> {
  const result = await runCommand(['fdisk', '-l', iso], { signal });
  return parseFdiskLayout(result.stdout, result.stderr, iso);
}

/** Compares the two reports of the guide's "验证" section; positions may move, nothing else may. */
export async function compareToolReports(
  original: string,
  output: string,
  options: { gapChange?: number; signal?: AbortSignal } = {},
): Promise<VerifyCheck[]> {
  const { signal } = options;
  const [a, b, fa, fb] = await Promise.all([
    runXorrisoReport(original, signal),
    runXorrisoReport(output, signal),
    readFdiskLayout(original, signal),
    readFdiskLayout(output, signal),
  ]);
  const before = normaliseAsMkisofs(a.elToritoAsMkisofs, original);
  const after = normaliseAsMkisofs(b.elToritoAsMkisofs, output);
  const differing = before.filter((line, i) => after[i] !== line);
  // xorriso puts its gap partition last: a build that adds or drops it adds or drops fdisk's last row.
  const expectedTypes = withGapRow(fa.types, options.gapChange ?? 0);
  const fdiskSame = fa.label === fb.label && JSON.stringify(expectedTypes) === JSON.stringify(fb.types);
  return [
    {
      name: 'xorriso -report_el_torito as_mkisofs',
      outcome: outcomeOf(differing.length === 0 && before.length === after.length),
      detail: differing.length
        ? `differs: ${differing.slice(0, 3).join(' | ')}`
        : `${after.length} lines match`,
    },
    {
      name: 'fdisk -l partitions',
      outcome: outcomeOf(fdiskSame && (fb.warnings === '' || fa.warnings !== '')),
      detail: fdiskSame
        ? `${fb.label}: ${fb.types.join(', ') || 'none'}${fb.warnings ? `; fdisk: ${fb.warnings}` : ''}`
        : `original ${fa.label} ${fa.types.join(', ')}; output ${fb.label} ${fb.types.join(', ')}`,
    },
  ];
}

/** fdisk's type column with the gap partition's row added (+1) or taken off the end (-1). */
function withGapRow(types: readonly string[], change: number): string[] {
  if (change > 0) return [...types, GAP_ROW];
  if (change < 0 && types.at(-1) === GAP_ROW) return types.slice(0, -1);
  return [...types];
}
