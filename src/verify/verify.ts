import { createHash } from 'node:crypto';
import { inspectIso, type IsoReport } from '../inspect/inspect.ts';
import { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { type ChecksumFile, entryIsoPath, findChecksumFiles, parseChecksums } from '../distro/checksums.ts';
import { runUnsquashfsStat } from '../tools/squashfs.ts';
import { outcomeOf, type VerifyCheck, type VerifyReport } from './check.ts';
import { compareToolReports } from './reports.ts';
import { checkSignatures } from './signatures.ts';

export { type CheckOutcome, describeCheck, outcomeOf, type VerifyCheck, type VerifyReport } from './check.ts';

const HASH_CHUNK = 8 * 1024 * 1024;

/**
 * Checks a written ISO before it is reported done: boot setup equal to the original's (positions
 * may move), every checksum file true to the files, changed layers readable, .disk/info still there.
 */
export async function verifyIso(options: {
  output: string;
  original?: string;
  /** ORIGINAL as already read (the build's plan has it): saves reading it again. */
  originalReport?: IsoReport;
  changedSquashfs?: readonly string[];
  /** Keyring for the .gpg signatures (GNUPGHOME); default gpg's own. */
  gnupgHome?: string;
  signal?: AbortSignal;
}): Promise<VerifyReport> {
  const output = await inspectIso(options.output);
  const checks: VerifyCheck[] = [];
  if (options.original) {
    checks.push(...compareBootSetup(options.originalReport ?? (await inspectIso(options.original)), output));
    checks.push(...(await compareToolReports(options.original, options.output, options.signal)));
  }
  checks.push(...(await checkChecksumFiles(options.output, output.checksumFiles)));
  for (const path of options.changedSquashfs ?? [])
    checks.push(await checkSquashfs(options.output, output, path, options.signal));
  checks.push(...(await checkSignatures(options.output, output, options)));
  if (output.layout !== 'unknown') {
    checks.push({
      name: '.disk/info present',
      outcome: outcomeOf(output.diskInfo !== null),
      detail: output.diskInfo ?? 'missing: UEFI GRUB finds the medium by it',
    });
  }
  return { ok: checks.every((check) => check.outcome !== 'failed'), checks };
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

/** The boot setup must match the original's in kind and order; sector positions may move. */
export function compareBootSetup(original: IsoReport, output: IsoReport): VerifyCheck[] {
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
      original.gpt?.partitions.map((p) => [p.index, p.typeGuid, p.name]) ?? null,
      output.gpt?.partitions.map((p) => [p.index, p.typeGuid, p.name]) ?? null,
    ),
    same('Joliet', original.joliet, output.joliet),
    same('Rock Ridge', original.rockRidge, output.rockRidge),
  ];
}

/** Hashes every file each checksum file lists, as casper-md5check or live-boot's verify-checksums does at boot. */
export async function checkChecksumFiles(iso: string, paths: readonly string[]): Promise<VerifyCheck[]> {
  const files = findChecksumFiles(paths);
  if (!files.length) return [{ name: 'checksum files', outcome: 'ok', detail: 'none on this medium' }];
  await using image = await IsoImage.open(iso);
  const checks: VerifyCheck[] = [];
  for (const file of files) checks.push(await checkChecksumFile(image, file));
  return checks;
}

async function checkChecksumFile(image: IsoImage, file: ChecksumFile): Promise<VerifyCheck> {
  const name = file.path.slice(1);
  const text = await image.readText(file.path);
  if (text === null) return { name, outcome: 'failed', detail: 'unreadable' };
  const bad: string[] = [];
  const entries = parseChecksums(text, file.algorithm);
  for (const entry of entries) {
    const found = await image.stat(entryIsoPath(entry.path));
    if (!found || found.isDirectory) {
      bad.push(`${entry.path} missing`);
      continue;
    }
    const hash = createHash(file.algorithm);
    for (let done = 0; done < found.size; done += HASH_CHUNK) {
      hash.update(
        await image.readRange(found.extentLba * SECTOR + done, Math.min(HASH_CHUNK, found.size - done)),
      );
    }
    if (hash.digest('hex') !== entry.hash) bad.push(`${entry.path} differs`);
  }
  return {
    name,
    outcome: outcomeOf(bad.length === 0 && entries.length > 0),
    detail: bad.length
      ? bad.slice(0, 5).join('; ')
      : entries.length
        ? `${entries.length} files match (${file.algorithm})`
        : `no ${file.algorithm} lines in it`,
  };
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
