import { inspectIso, type IsoReport } from '../inspect/inspect.ts';
import { isGapPartitionName } from '../iso/gpt.ts';
import { SECTOR } from '../iso/volume.ts';
import { runUnsquashfsStat } from '../tools/squashfs.ts';
import { outcomeOf, type VerifyCheck, type VerifyReport } from './check.ts';
import { checkChecksumFiles } from './checksums.ts';
import { compareToolReports } from './reports.ts';
import { checkSignatures } from './signatures.ts';
import { gapPartitionDelta, readWriteSetup, type WriteSetup } from '../output/write-setup.ts';
import type { WrittenDigests } from '../output/written-digests.ts';

export { checkChecksumFiles } from './checksums.ts';
export { type CheckOutcome, describeCheck, outcomeOf, type VerifyCheck, type VerifyReport } from './check.ts';

/**
 * Checks a written ISO before it is reported done: boot setup equal to the original's (positions
 * may move), every checksum file true to the files, changed layers readable, .disk/info still there.
 */
export async function verifyIso(options: {
  output: string;
  original?: string;
  /** ORIGINAL as already read (the build's plan has it): saves reading it again. */
  originalReport?: IsoReport;
  /** OUTPUT as already read (the build inspects it once for verify, diff and report). */
  outputReport?: IsoReport;
  changedSquashfs?: readonly string[];
  /** Digests of the output's listed files, taken from its bytes as they were written. */
  digests?: WrittenDigests;
  /** What the output must have of the setup modification mode decides itself; default the original's. */
  setup?: WriteSetup;
  /** Keyring for the .gpg signatures (GNUPGHOME); default gpg's own. */
  gnupgHome?: string;
  signal?: AbortSignal;
}): Promise<VerifyReport> {
  const output = options.outputReport ?? (await inspectIso(options.output));
  const checks: VerifyCheck[] = [];
  const original = options.original
    ? (options.originalReport ?? (await inspectIso(options.original)))
    : undefined;
  const expected = original && (options.setup ?? readWriteSetup(original));
  if (original && expected) checks.push(...compareBootSetup(original, output, expected));
  const gapChange = original && expected ? gapPartitionDelta(readWriteSetup(original), expected) : 0;
  // At once: the hashing runs in this process while xorriso, unsquashfs and gpg run in theirs.
  const [reports, checksums, layers, signatures] = await Promise.all([
    options.original
      ? compareToolReports(options.original, options.output, { gapChange, signal: options.signal })
      : [],
    checkChecksumFiles(
      options.output,
      output.checksumFiles,
      originalMedium(options.original, original),
      options.digests,
    ),
    Promise.all(
      (options.changedSquashfs ?? []).map((path) =>
        checkSquashfs(options.output, output, path, options.signal),
      ),
    ),
    checkSignatures(options.output, output, options),
  ]);
  checks.push(...reports, ...checksums, ...layers, ...signatures);
  if (output.layout !== 'unknown') {
    checks.push({
      name: '.disk/info present',
      outcome: outcomeOf(output.diskInfo !== null),
      detail: output.diskInfo ?? 'missing: UEFI GRUB finds the medium by it',
    });
  }
  return { ok: checks.every((check) => check.outcome !== 'failed'), checks };
}

/** The original as the checksum check needs it: where it is, and its El Torito images (xorriso patches them). */
function originalMedium(path: string | undefined, report: IsoReport | undefined) {
  if (!path || !report) return undefined;
  return { path, bootImages: report.eltorito.flatMap((entry) => (entry.path ? [entry.path] : [])) };
}

function same(name: string, before: unknown, after: unknown): VerifyCheck {
  const a = JSON.stringify(before);
  const b = JSON.stringify(after);
  return { name, outcome: outcomeOf(a === b), detail: a === b ? a : `original ${a}, output ${b}` };
}

/** What must stay equal in an El Torito entry when positions move. */
function bootEntryKind(e: IsoReport['eltorito'][number]): unknown[] {
  return [e.platform, e.bootable, e.emulation, e.path, e.partition, e.bootInfoTable, e.grub2BootInfo];
}

/**
 * The boot setup must match the original's in kind and order; sector positions may move. What
 * modification mode decides itself (Joliet, gap partition, TOC emulation) must be as EXPECTED.
 */
export function compareBootSetup(
  original: IsoReport,
  output: IsoReport,
  expected: WriteSetup,
): VerifyCheck[] {
  const written = readWriteSetup(output);
  const notGap = (p: { name: string; index: number }) => !(p.index > 1 && isGapPartitionName(p.name));
  return [
    same('El Torito entries', original.eltorito.map(bootEntryKind), output.eltorito.map(bootEntryKind)),
    same('MBR boot code', original.mbrBootCode, output.mbrBootCode),
    same(
      'MBR partition types',
      original.mbr.map((p) => [p.index, p.type, p.bootable]),
      output.mbr.map((p) => [p.index, p.type, p.bootable]),
    ),
    same(
      'GPT partitions',
      original.gpt?.partitions.filter(notGap).map((p) => [p.index, p.typeGuid, p.name]) ?? null,
      output.gpt?.partitions.filter(notGap).map((p) => [p.index, p.typeGuid, p.name]) ?? null,
    ),
    same('gap partition', expected.gapPartition, written.gapPartition),
    same('Joliet', expected.joliet, written.joliet),
    same('emulated TOC', expected.emulatedToc, written.emulatedToc),
    same('Rock Ridge', original.rockRidge, output.rockRidge),
  ];
}

async function checkSquashfs(
  iso: string,
  report: IsoReport,
  path: string,
  signal?: AbortSignal,
): Promise<VerifyCheck> {
  const layer = report.layers.find((l) => l.path === path);
  if (!layer) return { name: `squashfs ${path}`, outcome: 'failed', detail: 'not found in the output' };
  try {
    const stat = await runUnsquashfsStat(iso, { offset: layer.lba * SECTOR, signal });
    return {
      name: `squashfs ${path}`,
      outcome: 'ok',
      detail: `${stat.compression}, ${stat.inodes} inodes (unsquashfs -s)`,
    };
  } catch (error) {
    signal?.throwIfAborted();
    return { name: `squashfs ${path}`, outcome: 'failed', detail: (error as Error).message };
  }
}
