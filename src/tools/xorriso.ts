import { runCommand } from './exec.ts';

/** xorriso adapter: build, modify, report on and extract from ISO images without mounting them. */
function progressListener(onProgress?: (percent: number) => void) {
  if (!onProgress) return undefined;
  return (line: string) => {
    const match = /UPDATE :\s+([\d.]+)% done/.exec(line);
    if (match) onProgress(Number(match[1]));
  };
}

export interface XorrisoRunOptions {
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
}

/** Runs `xorriso -as mkisofs ARGS` (the guide's way of building an ISO from a tree). */
export async function runXorrisoMkisofs(
  args: readonly string[],
  options: XorrisoRunOptions = {},
): Promise<void> {
  await runCommand(['xorriso', '-as', 'mkisofs', ...args], {
    signal: options.signal,
    onLine: progressListener(options.onProgress),
  });
}

/** Runs xorriso in native command mode (e.g. -indev/-outdev modification). */
export async function runXorriso(args: readonly string[], options: XorrisoRunOptions = {}): Promise<string> {
  const { stdout } = await runCommand(['xorriso', ...args], {
    signal: options.signal,
    onLine: progressListener(options.onProgress),
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
    const { stdout } = await runCommand(['xorriso', '-indev', iso, ...what], { signal });
    return stdout.split('\n').filter((line) => line.trim());
  };
  return {
    elToritoAsMkisofs: await report('-report_el_torito', 'as_mkisofs'),
    elToritoPlain: await report('-report_el_torito', 'plain'),
    systemAreaPlain: await report('-report_system_area', 'plain'),
  };
}

/** Copies files out of an ISO (xorriso -osirrox), since this machine cannot mount ISO 9660. */
export async function extractFromIso(
  iso: string,
  files: readonly { isoPath: string; localPath: string }[],
  signal?: AbortSignal,
): Promise<void> {
  if (!files.length) return;
  const extracts = files.flatMap((file) => ['-extract', file.isoPath, file.localPath]);
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, ...extracts], { signal });
}
