import { type ChecksumFile, entryIsoPath, findChecksumFiles, parseChecksums } from '../distro/checksums.ts';
import { IsoImage } from '../iso/image.ts';
import { SECTOR } from '../iso/volume.ts';
import { digestKey, type WrittenDigests } from '../output/written-digests.ts';
import { hashFileRange } from '../safety/hash-range.ts';
import { outcomeOf, type VerifyCheck } from './check.ts';

/** What the check may take from the original: its path, and the boot images xorriso patches on every write. */
export interface OriginalMedium {
  path: string;
  bootImages: readonly string[];
}

/**
 * Checks every file each checksum file lists, as casper-md5check or live-boot's verify-checksums
 * does at boot, each against DIGESTS (taken as the ISO was written) where it has the file's extent,
 * else hashed here. A line already wrong on ORIGINAL is the input's fault: a boot image xorriso
 * patches (live-build lists grub_eltorito) is reported and passes; any other means a damaged input.
 */
export async function checkChecksumFiles(
  iso: string,
  paths: readonly string[],
  original?: OriginalMedium,
  digests?: WrittenDigests,
): Promise<VerifyCheck[]> {
  const files = findChecksumFiles(paths);
  if (!files.length) return [{ name: 'checksum files', outcome: 'ok', detail: 'none on this medium' }];
  await using image = await IsoImage.open(iso);
  const checks: VerifyCheck[] = [];
  for (const file of files) {
    const result = await readMismatches(image, file, digests);
    if (result === null) {
      checks.push({ name: file.path.slice(1), outcome: 'failed', detail: 'unreadable' });
      continue;
    }
    const inherited =
      result.bad.length && original ? await readOriginalMismatches(original.path, file) : new Set<string>();
    checks.push(describeResult(file, result, inherited, original?.bootImages ?? []));
  }
  return checks;
}

async function readOriginalMismatches(original: string, file: ChecksumFile): Promise<Set<string>> {
  await using image = await IsoImage.open(original);
  return new Set((await readMismatches(image, file))?.bad.map((line) => line.path) ?? []);
}

function describeResult(
  file: ChecksumFile,
  result: { entries: number; bad: readonly Mismatch[] },
  inherited: ReadonlySet<string>,
  bootImages: readonly string[],
): VerifyCheck {
  const name = file.path.slice(1);
  const isPatched = (line: Mismatch) => bootImages.includes(entryIsoPath(line.path));
  const old = result.bad.filter((line) => inherited.has(line.path));
  const damaged = old.filter((line) => !isPatched(line)).map((line) => line.path);
  if (damaged.length)
    return {
      name,
      outcome: 'failed',
      detail: `${damaged.slice(0, 5).join(', ')} ${damaged.length > 1 ? 'differ' : 'differs'} from the input's own ${name}: the input is damaged`,
      inputDamaged: true,
    };
  const own = result.bad.filter((line) => !inherited.has(line.path)).map(describeMismatch);
  const patched = old.map((line) => line.path);
  const also = patched.length
    ? `; boot images xorriso patches, wrong on the original too: ${patched.slice(0, 3).join(', ')}`
    : '';
  const detail = own.length
    ? own.slice(0, 5).join('; ')
    : result.entries
      ? `${result.entries - old.length} files match (${file.algorithm})${also}`
      : `no ${file.algorithm} lines in it`;
  return { name, outcome: outcomeOf(own.length === 0 && result.entries > 0), detail };
}

/** A listed file that is missing or whose hash differs. */
interface Mismatch {
  path: string;
  missing: boolean;
}

function describeMismatch(line: Mismatch): string {
  return `${line.path} ${line.missing ? 'missing' : 'differs'}`;
}

/** The lines of FILE on IMAGE whose file is missing or has another hash; null when FILE is unreadable. */
async function readMismatches(
  image: IsoImage,
  file: ChecksumFile,
  digests?: WrittenDigests,
): Promise<{ entries: number; bad: Mismatch[] } | null> {
  const text = await image.readText(file.path);
  if (text === null) return null;
  const bad: Mismatch[] = [];
  const entries = parseChecksums(text, file.algorithm);
  for (const entry of entries) {
    const found = await image.stat(entryIsoPath(entry.path));
    if (!found || found.isDirectory) {
      bad.push({ path: entry.path, missing: true });
      continue;
    }
    const known = digests?.get(digestKey(file.algorithm, found.extentLba, found.size));
    const digest =
      known ?? (await hashFileRange(image, found.extentLba * SECTOR, found.size, file.algorithm));
    if (digest !== entry.hash) bad.push({ path: entry.path, missing: false });
  }
  return { entries: entries.length, bad };
}
