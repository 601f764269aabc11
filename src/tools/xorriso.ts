import { progressListener, runCommand } from './exec.ts';

/** xorriso adapter: build, modify, report on and extract from ISO images without mounting them. */

/** The percentage of an `xorriso : UPDATE : 1234 of 5678 MB written ... = 21.7% done` style line, else null. */
export function parseXorrisoProgress(line: string): number | null {
  const match = /UPDATE :.*?([\d.]+)% done/.exec(line);
  return match ? Number(match[1]) : null;
}

export interface ModifyArgsOptions {
  input: string;
  output: string;
  replace: readonly { isoPath: string; localPath: string }[];
  remove: readonly string[];
  volumeId?: string;
  /** The flags that keep (or set) what modification mode decides itself: Joliet, TOC emulation, padding. */
  setupArgs: readonly string[];
  /** A file whose data goes after all other file data (a splice's stand-in, output/splice/). */
  last?: string;
}

/** Far below any weight xorriso gives, yet far from -2^31: libisofs orders by the weights' difference. */
const LAST_WEIGHT = '-1000000000';

/**
 * xorriso's modification mode: the original's boot setup carried over as it was (-boot_image any
 * replay), only the changed files mapped in. Joliet, the TOC emulation and the gap partition are
 * not replayed but decided by flags (output/write-setup.ts). Files of 4 GiB
 * and more need nothing: native mode's -file_size_limit defaults to 100 extents (multi-extent,
 * what -iso-level 3 means for -as mkisofs).
 */
export function makeModifyArgs(options: ModifyArgsOptions): string[] {
  const args = ['-abort_on', 'FAILURE', '-iso_rr_pattern', 'off', '-disk_pattern', 'off'];
  // xorriso's default fsyncs the output every 16 MB, which halves its speed on a 2 GB medium; the
  // build fsyncs the finished ISO once before it is published (safety/atomic.ts).
  args.push('-stdio_sync', 'off');
  args.push('-indev', driveAddress(options.input), '-outdev', driveAddress(options.output));
  args.push('-boot_image', 'any', 'replay');
  args.push(...options.setupArgs);
  if (options.volumeId) args.push('-volid', options.volumeId);
  // -rm takes a list of paths ended by "--"; single files and subtrees only (never -update_r over /,
  // which would hide the boot catalog).
  for (const path of options.remove) args.push('-rm_r', path, '--');
  for (const file of options.replace) args.push('-map', file.localPath, file.isoPath);
  // Native mode has no -sort_weight in xorriso 1.5.4; its mkisofs emulation does.
  if (options.last) args.push('-as', 'mkisofs', '--sort-weight', LAST_WEIGHT, options.last, '--');
  return [...args, '-commit'];
}

/**
 * A file as xorriso's -indev or -outdev takes it. xorriso refuses a new file below /dev (as
 * /dev/shm/out.iso) unless its address says it is a plain file: "stdio:".
 */
export function driveAddress(path: string): string {
  return path.startsWith('/dev/') ? `stdio:${path}` : path;
}

export interface MkisofsArgsOptions {
  output: string;
  volumeId: string;
  /** Boot arguments as `-report_el_torito as_mkisofs` gives them, already split into tokens. */
  bootArgs: readonly string[];
  joliet: boolean;
  /** The tree's root folder, or graft points (`/iso/path=/local/path`) when `graftPoints` is set. */
  sources: readonly string[];
  graftPoints?: boolean;
}

/** The guide's `xorriso -as mkisofs -r -V ... -o OUT BOOT... -J -joliet-long TREE`, plus -iso-level 3 for files >= 4 GiB. */
export function makeMkisofsArgs(options: MkisofsArgsOptions): string[] {
  return [
    '-r',
    '-V',
    options.volumeId,
    '-o',
    options.output,
    '-iso-level',
    '3',
    ...options.bootArgs,
    ...(options.joliet ? ['-J', '-joliet-long'] : []),
    ...(options.graftPoints ? ['-graft-points'] : []),
    ...options.sources,
  ];
}

export interface XorrisoRunOptions {
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  /** Added to the inherited environment (SOURCE_DATE_EPOCH). */
  env?: Record<string, string>;
}

/** Runs `xorriso -as mkisofs ARGS` (the guide's way of building an ISO from a tree). */
export async function runXorrisoMkisofs(
  args: readonly string[],
  options: XorrisoRunOptions = {},
): Promise<void> {
  await runCommand(['xorriso', '-as', 'mkisofs', ...args], {
    signal: options.signal,
    onLine: progressListener(parseXorrisoProgress, options.onProgress),
  });
}

/** Runs xorriso in native command mode (e.g. -indev/-outdev modification). */
export async function runXorriso(args: readonly string[], options: XorrisoRunOptions = {}): Promise<string> {
  const { stdout } = await runCommand(['xorriso', ...args], {
    signal: options.signal,
    env: options.env,
    onLine: progressListener(parseXorrisoProgress, options.onProgress),
  });
  return stdout;
}

export interface XorrisoReport {
  elToritoAsMkisofs: string[];
  elToritoPlain: string[];
  systemAreaPlain: string[];
}

/** The boot setup as xorriso itself describes it; the reference isoforge's own parsers are tested against. */
export async function runXorrisoReport(iso: string, signal?: AbortSignal): Promise<XorrisoReport> {
  const report = async (...what: string[]) => {
    // xorriso prints its reports, then exits 32 on ISOs with an APM it could not propose to rewrite.
    const { stdout } = await runCommand(['xorriso', '-indev', driveAddress(iso), ...what], {
      signal,
      okExitCodes: [32],
    });
    return stdout.split('\n').filter((line) => line.trim());
  };
  // Three runs at once: each is mostly xorriso loading the image's tree.
  const [elToritoAsMkisofs, elToritoPlain, systemAreaPlain] = await Promise.all([
    report('-report_el_torito', 'as_mkisofs'),
    report('-report_el_torito', 'plain'),
    report('-report_system_area', 'plain'),
  ]);
  return { elToritoAsMkisofs, elToritoPlain, systemAreaPlain };
}

/** Copies files out of an ISO (xorriso -osirrox), since this machine cannot mount ISO 9660. */
export async function extractFromIso(
  iso: string,
  files: readonly { isoPath: string; localPath: string }[],
  signal?: AbortSignal,
): Promise<void> {
  if (!files.length) return;
  const extracts = files.flatMap((file) => ['-extract', file.isoPath, file.localPath]);
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', driveAddress(iso), ...extracts], { signal });
}
