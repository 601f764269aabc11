import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IsoImage } from '../../src/iso/image.ts';
import { makeModifyArgs, runXorriso } from '../../src/tools/xorriso.ts';

const GRUB_CFG = '/boot/grub/grub.cfg';
const MD5SUMS = '/md5sum.txt';
/** GRUB needs the `;` escaped; the kernel (and cloud-init) then sees ds=nocloud;s=/cdrom/nocloud/. */
export const SEED_ARGS = 'autoinstall ds=nocloud\\;s=/cdrom/nocloud/';

/**
 * Writes COPY: ISO with a NoCloud autoinstall seed at /nocloud/ (user-data, meta-data), their md5
 * lines in md5sum.txt, and `autoinstall ds=nocloud\;s=/cdrom/nocloud/` on every grub.cfg linux line
 * before `---`: what the iso: recipe section makes, made here without the pipeline for the boot test.
 */
export async function makeSeededCopy(iso: string, copy: string, tempParent: string): Promise<void> {
  let grub: string | null;
  let md5sums: string | null;
  {
    await using image = await IsoImage.open(iso);
    grub = await image.readText(GRUB_CFG);
    md5sums = await image.readText(MD5SUMS);
  }
  if (grub === null || md5sums === null) throw new Error(`${iso} has no ${GRUB_CFG} or ${MD5SUMS}`);
  const seed = {
    'user-data': '#cloud-config\nautoinstall:\n  version: 1\n  identity:\n    hostname: sample\n',
    'meta-data': 'instance-id: isoforge-sample\n',
  };
  const dir = await mkdtemp(join(tempParent, 'seed-'));
  const replace = [];
  let lines = md5sums;
  for (const [name, text] of Object.entries(seed)) {
    await writeFile(join(dir, name), text);
    replace.push({ isoPath: `/nocloud/${name}`, localPath: join(dir, name) });
    lines += `${createHash('md5').update(text).digest('hex')}  ./nocloud/${name}\n`;
  }
  const seeded = grub.replace(/^(\s*linux\s+\S+.*?)(\s+---)?$/gm, `$1 ${SEED_ARGS}$2`);
  if (seeded === grub) throw new Error(`${GRUB_CFG} of ${iso} has no linux line`);
  await writeFile(join(dir, 'grub.cfg'), seeded);
  await writeFile(join(dir, 'md5sum.txt'), lines);
  replace.push({ isoPath: GRUB_CFG, localPath: join(dir, 'grub.cfg') });
  replace.push({ isoPath: MD5SUMS, localPath: join(dir, 'md5sum.txt') });
  await runXorriso(makeModifyArgs({ input: iso, output: copy, replace, remove: [], joliet: true }));
}
