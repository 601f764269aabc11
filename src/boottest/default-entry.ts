import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { parseGrubMenu } from '../inspect/menus.ts';
import { IsoImage } from '../iso/image.ts';
import { driveAddress, runXorriso } from '../tools/xorriso.ts';

// The GRUB configs a boot starts from: the CD's and the one a loopback stick sources.
const GRUB_CONFIGS = ['/boot/grub/grub.cfg', '/boot/grub/loopback.cfg'];

/**
 * GRUB boots a menu's first entry unless told otherwise. This writes a copy of ISO whose GRUB
 * configs begin with `set default="TITLE"` (GRUB takes a title there), so a boot test reaches
 * that entry (say, the HWE kernel) with no key pressed; the boot setup is replayed unchanged.
 */
export async function makeCopyBootingEntry(options: {
  iso: string;
  copy: string;
  title: string;
  workDir: string;
  signal?: AbortSignal;
}): Promise<void> {
  const { iso, title } = options;
  const edits: { isoPath: string; localPath: string }[] = [];
  const titles = new Set<string>();
  {
    await using image = await IsoImage.open(iso);
    for (const [i, isoPath] of GRUB_CONFIGS.entries()) {
      const text = await image.readText(isoPath);
      if (text === null) continue;
      const entries = parseGrubMenu(text).map((entry) => entry.title);
      entries.forEach((entry) => titles.add(entry));
      if (!entries.includes(title)) continue;
      const localPath = join(options.workDir, `entry-${i}.cfg`);
      edits.push({ isoPath, localPath });
      await mkdir(options.workDir, { recursive: true });
      await writeFile(localPath, `set default="${title.replaceAll('"', '\\"')}"\n${text}`);
    }
  }
  if (!edits.length) {
    throw new InputError(`${iso} has no GRUB menu entry titled "${title}"`, {
      hint: `give one of: ${[...titles].map((t) => `"${t}"`).join(', ') || 'none (no GRUB menu)'}`,
    });
  }
  const maps = edits.flatMap((edit) => ['-map', edit.localPath, edit.isoPath]);
  await runXorriso(
    [
      ...['-indev', driveAddress(iso), '-outdev', driveAddress(options.copy), '-boot_image', 'any', 'replay'],
      ...['-joliet', 'on', '-compliance', 'no_emul_toc', '-padding', 'included'],
      ...maps,
      '-commit',
    ],
    { signal: options.signal },
  );
}
