import { type ChecksumFile, entryIsoPath, findChecksumFiles, parseChecksums } from '../distro/checksums.ts';
import { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { hashFileRange } from '../safety/hash-range.ts';
import { outcomeOf, type VerifyCheck } from './check.ts';

/**
 * Hashes every file each checksum file lists, as casper-md5check or live-boot's verify-checksums
 * does at boot. With ORIGINAL, a line that is already wrong on the original (live-build lists
 * grub_eltorito, which xorriso patches on every write) is reported, not counted against the output.
 */
export async function checkChecksumFiles(
  iso: string,
  paths: readonly string[],
  original?: string,
): Promise<VerifyCheck[]> {
  const files = findChecksumFiles(paths);
  if (!files.length) return [{ name: 'checksum files', outcome: 'ok', detail: 'none on this medium' }];
  await using image = await IsoImage.open(iso);
  const checks: VerifyCheck[] = [];
  for (const file of files) {
    const result = await readMismatches(image, file);
    if (result === null) {
      checks.push({ name: file.path.slice(1), outcome: 'failed', detail: 'unreadable' });
      continue;
    }
    const inherited =
      result.bad.length && original ? await readOriginalMismatches(original, file) : new Set<string>();
    checks.push(describeResult(file, result.entries, result.bad, inherited));
  }
  return checks;
}

async function readOriginalMismatches(original: string, file: ChecksumFile): Promise<Set<string>> {
  await using image = await IsoImage.open(original);
  return new Set((await readMismatches(image, file))?.bad ?? []);
}

function describeResult(
  file: ChecksumFile,
  entries: number,
  bad: readonly string[],
  inherited: ReadonlySet<string>,
): VerifyCheck {
  const own = bad.filter((line) => !inherited.has(line));
  const old = bad.filter((line) => inherited.has(line));
  const also = old.length ? `; wrong on the original too: ${old.slice(0, 3).join(', ')}` : '';
  const detail = own.length
    ? own.slice(0, 5).join('; ')
    : entries
      ? `${entries - old.length} files match (${file.algorithm})${also}`
      : `no ${file.algorithm} lines in it`;
  return { name: file.path.slice(1), outcome: outcomeOf(own.length === 0 && entries > 0), detail };
}

/** The lines of FILE on IMAGE whose file is missing or has another hash; null when FILE is unreadable. */
async function readMismatches(
  image: IsoImage,
  file: ChecksumFile,
): Promise<{ entries: number; bad: string[] } | null> {
  const text = await image.readText(file.path);
  if (text === null) return null;
  const bad: string[] = [];
  const entries = parseChecksums(text, file.algorithm);
  for (const entry of entries) {
    const found = await image.stat(entryIsoPath(entry.path));
    if (!found || found.isDirectory) {
      bad.push(`${entry.path} missing`);
      continue;
    }
    const digest = await hashFileRange(image, found.extentLba * SECTOR, found.size, file.algorithm);
    if (digest !== entry.hash) bad.push(`${entry.path} differs`);
  }
  return { entries: entries.length, bad };
}
