import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IsoImage } from '../../src/iso/image.ts';
import { runXorriso } from '../../src/tools/xorriso.ts';

const GRUB_CFG = '/boot/grub/grub.cfg';

/**
 * Writes COPY: ISO with ARGS added to every kernel line of /boot/grub/grub.cfg (before the `---`
 * that ends the installed system's arguments), boot setup replayed. What a user typing `e` at the
 * GRUB menu does, for a boot test that cannot type.
 */
export async function makeBootCopyWithKernelArgs(
  iso: string,
  copy: string,
  args: readonly string[],
  tempParent: string,
): Promise<void> {
  let config: string | null;
  {
    await using image = await IsoImage.open(iso);
    config = await image.readText(GRUB_CFG);
  }
  if (config === null) throw new Error(`${iso} has no ${GRUB_CFG}`);
  const changed = config.replace(/^(\s*linux\s+\S+.*?)(\s+---)?$/gm, `$1 ${args.join(' ')}$2`);
  if (changed === config) throw new Error(`${GRUB_CFG} of ${iso} has no linux line`);
  const file = join(await mkdtemp(join(tempParent, 'grub-')), 'grub.cfg');
  await writeFile(file, changed);
  await runXorriso([
    '-indev',
    iso,
    '-outdev',
    copy,
    '-boot_image',
    'any',
    'replay',
    '-map',
    file,
    GRUB_CFG,
    '-commit',
  ]);
}
