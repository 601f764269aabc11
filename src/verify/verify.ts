import { createHash } from 'node:crypto';
import { inspectIso, type IsoReport } from '../inspect/inspect.ts';
import { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { parseMd5sums } from '../distro/casper-meta.ts';
import { runUnsquashfsStat } from '../tools/squashfs.ts';
import { type VerifyCheck, outcomeOf } from './check.ts';
import { compareToolReports } from './reports.ts';
import { checkSignatures } from './signatures.ts';

export interface VerifyReport {
  /** True when no check failed; checks not made do not fail a medium. */
  ok: boolean;
  checks: VerifyCheck[];
}

export { type CheckOutcome, describeCheck, outcomeOf, type VerifyCheck } from './check.ts';

const HASH_CHUNK = 8 * 1024 * 1024;

/**
 * Checks a written ISO before it is reported done: boot setup equal to the original's (positions
 * may move), md5sum.txt true to the files, changed layers readable, .disk/info still there.
 */
export async function verifyIso(options: {
  output: string;
  original?: string;
  changedSquashfs?: readonly string[];
  /** Keyring for the .gpg signatures (GNUPGHOME); default gpg's own. */
  gnupgHome?: string;
  signal?: AbortSignal;
}): Promise<VerifyReport> {
  const output = await inspectIso(options.output);
  const checks: VerifyCheck[] = [];
  if (options.original) {
    checks.push(...compareBootSetup(await inspectIso(options.original), output));
    checks.push(...(await compareToolReports(options.original, options.output, options.signal)));
  }
  checks.push(await checkMd5sums(options.output));
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

/** Hashes every file md5sum.txt lists, as casper-md5check does at boot. */
export async function checkMd5sums(iso: string): Promise<VerifyCheck> {
  await using image = await IsoImage.open(iso);
  const text = await image.readText('/md5sum.txt');
  if (text === null) return { name: 'md5sum.txt', outcome: 'ok', detail: 'none on this medium' };
  const bad: string[] = [];
  const entries = parseMd5sums(text);
  for (const entry of entries) {
    const file = await image.stat(entry.path.replace(/^\./, ''));
    if (!file || file.isDirectory) {
      bad.push(`${entry.path} missing`);
      continue;
    }
    const hash = createHash('md5');
    for (let done = 0; done < file.size; done += HASH_CHUNK) {
      hash.update(
        await image.readRange(file.extentLba * SECTOR + done, Math.min(HASH_CHUNK, file.size - done)),
      );
    }
    if (hash.digest('hex') !== entry.hash) bad.push(`${entry.path} differs`);
  }
  return {
    name: 'md5sum.txt',
    outcome: outcomeOf(bad.length === 0),
    detail: bad.length ? bad.slice(0, 5).join('; ') : `${entries.length} files match`,
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
