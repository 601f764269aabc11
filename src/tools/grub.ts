import { runCommand } from './exec.ts';

/**
 * The modules of a GRUB image that finds its config by a file (search), reads it in normal mode and
 * boots Linux with a serial console: the sample's boot images and boot-test's loopback stick.
 */
export const GRUB_SERIAL_BOOT_MODULES: readonly string[] = [
  'normal',
  'search',
  'search_fs_file',
  'configfile',
  'linux',
  'serial',
  'terminal',
  'echo',
  'test',
  'ls',
  'cat',
];

/** grub-mkimage adapter: the BIOS El Torito image, the BIOS disk core.img and the EFI boot image. */
export async function runGrubMkimage(options: {
  format: 'i386-pc-eltorito' | 'i386-pc' | 'x86_64-efi';
  output: string;
  prefix: string;
  modules: readonly string[];
  embeddedConfig?: string;
  signal?: AbortSignal;
}): Promise<void> {
  const args = ['grub-mkimage', '-O', options.format, '-p', options.prefix, '-o', options.output];
  if (options.embeddedConfig) args.push('-c', options.embeddedConfig);
  await runCommand([...args, ...options.modules], { signal: options.signal });
}

export type GrubScriptCheck = { ok: true } | { ok: false; line: number | null; message: string };

/**
 * grub-script-check adapter: parses FILE with GRUB's own lexer and parser (grub-common), so an
 * edited menu that GRUB would refuse at boot is caught at build time. Exit code 1 is a verdict,
 * not a failure: it comes back as the line GRUB names and its messages.
 */
export async function runGrubScriptCheck(file: string, signal?: AbortSignal): Promise<GrubScriptCheck> {
  const result = await runCommand(['grub-script-check', file], { signal, okExitCodes: [1] });
  if (result.exitCode === 0) return { ok: true };
  return parseGrubScriptCheckOutput(`${result.stdout}\n${result.stderr}`);
}

/** "Syntax error at line 4" plus the `error: ...` lines before it (the first one is often noise). */
export function parseGrubScriptCheckOutput(output: string): {
  ok: false;
  line: number | null;
  message: string;
} {
  const line = /Syntax error at line (\d+)/.exec(output)?.[1];
  const errors = [
    ...new Set(output.split('\n').filter((l) => l.startsWith('error: ') && !/out of memory/.test(l))),
  ];
  const message = errors.map((l) => l.slice('error: '.length).replace(/\.$/, '')).join('; ') || output.trim();
  return { ok: false, line: line === undefined ? null : Number(line), message };
}
