import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inspectIso } from '../inspect/inspect.ts';
import { extractFromIso, runXorriso, runXorrisoMkisofs } from '../tools/xorriso.ts';

/** What changes between the original ISO and the new one. */
export interface IsoChanges {
  replace: { isoPath: string; localPath: string }[];
  remove: string[];
  volumeId?: string;
}

export interface WriteIsoOptions {
  input: string;
  output: string;
  changes: IsoChanges;
  bootSetup: 'replay' | 'explicit';
  /** Scratch space for explicit mode's extracted tree. */
  workDir: string;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
}

/** Writes OUTPUT from INPUT plus CHANGES; INPUT is only ever read. */
export async function writeIso(options: WriteIsoOptions): Promise<void> {
  if (options.bootSetup === 'replay') await writeIsoReplay(options);
  else await writeIsoExplicit(options);
}

/**
 * xorriso's modification mode: the original's boot setup carried over as it was (-boot_image any
 * replay), only the changed files mapped in. Joliet and the gap partition are kept only when asked.
 */
export function makeReplayArgs(
  input: string,
  output: string,
  changes: IsoChanges,
  joliet: boolean,
): string[] {
  const args = ['-abort_on', 'FAILURE', '-iso_rr_pattern', 'off', '-disk_pattern', 'off'];
  args.push('-indev', input, '-outdev', output, '-boot_image', 'any', 'replay');
  if (joliet) args.push('-joliet', 'on');
  args.push('-compliance', 'no_emul_toc', '-padding', 'included');
  if (changes.volumeId) args.push('-volid', changes.volumeId);
  // -rm takes a list of paths ended by "--".
  for (const path of changes.remove) args.push('-rm', path, '--');
  for (const file of changes.replace) args.push('-map', file.localPath, file.isoPath);
  return [...args, '-commit'];
}

async function writeIsoReplay(options: WriteIsoOptions): Promise<void> {
  const original = await inspectIso(options.input);
  await rm(options.output, { force: true });
  await runXorriso(makeReplayArgs(options.input, options.output, options.changes, original.joliet), {
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** Splits the `-report_el_torito as_mkisofs` style lines into argv tokens (single quotes as the shell reads them). */
export function splitMkisofsLines(lines: readonly string[]): string[] {
  const tokens: string[] = [];
  for (const line of lines) {
    for (const match of line.matchAll(/'((?:[^']|'"'"')*)'|(\S+)/g)) {
      const quoted = match[1]?.replaceAll(`'"'"'`, "'");
      const raw = match[2];
      tokens.push(
        quoted ??
          raw?.replace(/'((?:[^']|'"'"')*)'/g, (_, inner: string) => inner.replaceAll(`'"'"'`, "'")) ??
          '',
      );
    }
  }
  return tokens;
}

/**
 * The seed guide's way: extract the tree, apply the changes, and build anew with `xorriso -as
 * mkisofs` and the boot arguments isoforge derived from the original (MBR and EFI images read
 * straight out of it by byte interval). For recipes that replace boot images.
 */
async function writeIsoExplicit(options: WriteIsoOptions): Promise<void> {
  const original = await inspectIso(options.input);
  const tree = join(options.workDir, 'explicit-tree');
  await rm(tree, { recursive: true, force: true });
  await extractFromIso(options.input, [{ isoPath: '/', localPath: tree }], options.signal);
  for (const path of options.changes.remove) await rm(join(tree, path), { recursive: true, force: true });
  for (const file of options.changes.replace) {
    await mkdir(dirname(join(tree, file.isoPath)), { recursive: true });
    await cp(file.localPath, join(tree, file.isoPath), { force: true });
  }
  const bootArgs = splitMkisofsLines(
    original.mkisofsArgs.filter((line) => !line.startsWith('-V ') && !line.startsWith('--modification-date')),
  ).map((arg) =>
    arg.replace(
      /^--interval:appended_partition_(\d+)_start_\d+s_size_\d+d:all::$/,
      '--interval:appended_partition_$1:all::',
    ),
  );
  const volumeId = options.changes.volumeId ?? original.volumeId;
  await rm(options.output, { force: true });
  try {
    await runXorrisoMkisofs(
      [
        '-r',
        '-V',
        volumeId,
        '-o',
        options.output,
        '-iso-level',
        '3',
        ...bootArgs,
        ...(original.joliet ? ['-J', '-joliet-long'] : []),
        tree,
      ],
      { signal: options.signal, onProgress: options.onProgress },
    );
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
