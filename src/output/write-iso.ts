import { lstat, rm, utimes } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { inspectIso, type IsoReport } from '../inspect/inspect.ts';
import { makeModifyArgs, runXorriso, runXorrisoReport } from '../tools/xorriso.ts';
import type { IsoChanges } from './changes.ts';
import { applyDigestPatches } from './digest-patches.ts';
import { makeWriteSetupArgs, readWriteSetup, type WriteSetup } from './write-setup.ts';
import { hashWhileIsoIsWritten, type ListedFile, type WrittenDigests } from './written-digests.ts';
import { type SpliceRequest, writeSpliced } from './splice/write-spliced.ts';

export type { IsoChanges } from './changes.ts';

export interface WriteIsoOptions {
  input: string;
  output: string;
  changes: IsoChanges;
  bootSetup: 'replay' | 'explicit';
  /** What modification mode decides itself (Joliet, TOC emulation, gap partition); default the input's. */
  setup?: WriteSetup;
  /** The input as already read (the build's plan has it): saves reading it again. */
  original?: IsoReport;
  /**
   * Reproducible builds: xorriso takes it from its environment as the volume dates, the volume
   * UUID, the GPT disk GUID and the time of new directories; the new files' times are clamped to it.
   */
  sourceDateEpoch?: number;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  /** Files the new medium's checksum files list: hashed as xorriso writes them (written-digests.ts). */
  listed?: readonly ListedFile[];
  /** A large replaced file isoforge puts in place itself rather than xorriso (splice/write-spliced.ts). */
  splice?: SpliceRequest;
  say?: (line: string) => void;
}

/**
 * Writes OUTPUT from INPUT plus CHANGES; INPUT is only ever read, and no tree is copied out of it.
 * Returns the digests of the LISTED files, taken from the bytes as they were written.
 */
export async function writeIso(options: WriteIsoOptions): Promise<WrittenDigests> {
  checkChanges(options.changes);
  const write = (changes: IsoChanges, output: string, listed: readonly ListedFile[]) =>
    writeWithXorriso({ ...options, changes, output, listed });
  const spliced =
    options.splice &&
    (await writeSpliced(
      options.splice,
      options.changes,
      options.output,
      options.listed ?? [],
      write,
      options.say ?? (() => undefined),
      options.signal,
    ));
  return spliced || write(options.changes, options.output, options.listed ?? []);
}

/** OUTPUT written by xorriso alone, the LISTED files hashed as it writes them. */
async function writeWithXorriso(options: WriteIsoOptions): Promise<WrittenDigests> {
  const original = options.original ?? (await inspectIso(options.input));
  const setup = options.setup ?? readWriteSetup(original);
  const setupArgs = makeWriteSetupArgs(setup, original.gpt !== null);
  const args =
    options.bootSetup === 'replay'
      ? makeReplayArgs(options.input, options.output, options.changes, setupArgs)
      : makeExplicitArgs(
          options.input,
          options.output,
          options.changes,
          setupArgs,
          (await runXorrisoReport(options.input, options.signal)).elToritoAsMkisofs,
        );
  // xorriso refuses to write onto an existing non-empty file it did not load as -indev.
  await rm(options.output, { force: true });
  const epoch = options.sourceDateEpoch;
  if (epoch !== undefined) await clampFileTimes(options.changes, epoch);
  const written = runXorriso(args, {
    signal: options.signal,
    onProgress: options.onProgress,
    env: epoch === undefined ? undefined : { SOURCE_DATE_EPOCH: String(epoch) },
  });
  const patched = written.then(() => applyDigestPatches(options.output, options.changes.patches ?? []));
  return hashWhileIsoIsWritten(options.output, options.listed ?? [], patched);
}

/** New files keep an older time of their own; a time after EPOCH (made by this build) becomes EPOCH. */
async function clampFileTimes(changes: IsoChanges, epoch: number): Promise<void> {
  for (const { localPath } of changes.replace) {
    const info = await lstat(localPath);
    if (!info.isSymbolicLink() && info.mtimeMs / 1000 > epoch) await utimes(localPath, epoch, epoch);
  }
}

/** Refuses changes that would empty the image or name paths xorriso would read relative to its cwd. */
function checkChanges(changes: IsoChanges): void {
  for (const path of [...changes.remove, ...changes.replace.map((file) => file.isoPath)]) {
    if (!path.startsWith('/') || path.replace(/\/+$/, '') === '')
      throw new InputError(`cannot change ISO path '${path}'`, {
        hint: 'ISO paths are absolute and name a file or folder below /',
      });
  }
}

/** The modification-mode argv (`-boot_image any replay`), also printed by `build --dry-run`. */
export function makeReplayArgs(
  input: string,
  output: string,
  changes: IsoChanges,
  setupArgs: readonly string[],
): string[] {
  return makeModifyArgs({ input, output, setupArgs, ...changes });
}

/**
 * The guide's explicit boot setup without its 2 GB copy: xorriso loads the original tree from
 * -indev (no extraction), drops the replayed boot setup (-boot_image any discard) and takes the
 * boot arguments the original's own `-report_el_torito as_mkisofs` names, through `-as mkisofs`
 * inside the same run: the MBR as the input's first 16 sectors (--interval:local_fs:0s-15s) and
 * the EFI partition as the input's byte range, both read straight out of the input.
 */
export function makeExplicitArgs(
  input: string,
  output: string,
  changes: IsoChanges,
  setupArgs: readonly string[],
  asMkisofsReport: readonly string[],
): string[] {
  const replay = makeModifyArgs({ input, output, setupArgs, ...changes });
  const explicit = ['-as', 'mkisofs', '-iso-level', '3', ...makeExplicitBootArgs(asMkisofsReport), '--'];
  const at = replay.indexOf('replay');
  // "-boot_image any replay" becomes "-boot_image any discard" followed by the explicit boot arguments.
  return [...replay.slice(0, at), 'discard', ...replay.slice(at + 1, -1), ...explicit, '-commit'];
}

/**
 * The boot arguments of a `-report_el_torito as_mkisofs` report: the volume id and date dropped
 * (kept from the loaded image), and the EFI entry's fixed position made relative to the appended
 * partition, since positions move when the content changes.
 */
export function makeExplicitBootArgs(asMkisofsReport: readonly string[]): string[] {
  const lines = asMkisofsReport.filter(
    (line) => line.startsWith('-') && !line.startsWith('-V ') && !line.startsWith('--modification-date'),
  );
  return splitMkisofsLines(lines).map((arg) =>
    arg.replace(
      /^--interval:appended_partition_(\d+)_start_\d+s_size_\d+d:all::$/,
      '--interval:appended_partition_$1:all::',
    ),
  );
}

/** Splits the `-report_el_torito as_mkisofs` style lines into argv tokens (single quotes as the shell reads them). */
export function splitMkisofsLines(lines: readonly string[]): string[] {
  const tokens: string[] = [];
  for (const line of lines) {
    for (const match of line.matchAll(/(?:[^\s']+|'(?:[^']|'"'"')*')+/g)) {
      tokens.push(
        match[0].replace(/'((?:[^']|'"'"')*)'/g, (_, inner: string) => inner.replaceAll(`'"'"'`, "'")),
      );
    }
  }
  return tokens;
}
