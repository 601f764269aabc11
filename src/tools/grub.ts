import { runCommand } from './exec.ts';

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
