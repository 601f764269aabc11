import { dirname } from 'node:path';
import { readInitrdFile } from '../distro/initrd.ts';
import { FormatError } from '../errors.ts';
import type { LiveBootFiles } from '../layer/boot-files.ts';
import type { MediumSource } from './source.ts';

/**
 * After a kernel swap, makes the medium agree with the new initrd: casper refuses a medium unless
 * one of its .disk/casper-uuid-* files holds the initrd's conf/uuid.conf, and every update-initramfs
 * with CASPER_GENERATE_UUID makes a new one. Each UUID file the medium has gets the new UUID (one
 * is added when it has none); an initrd without a UUID accepts any medium, so nothing changes.
 */
export async function makeMediumUuidChanges(
  plan: MediumSource,
  liveBoot: LiveBootFiles,
  put: (isoPath: string, content: string) => Promise<void>,
  say: (line: string) => void,
): Promise<void> {
  const rule = plan.layout.mediumUuid;
  if (!rule) return;
  const files = plan.original.uuidFiles.length ? plan.original.uuidFiles : [rule.newMediumFile];
  const content = await readInitrdFile(liveBoot.initrd, rule.initrdPath, dirname(liveBoot.initrd));
  if (!content) {
    const kept = plan.original.uuidFiles.length ? `, ${files.join(', ')} kept` : '';
    say(`the new ${liveBoot.isoInitrd} has no ${rule.initrdPath}: it boots any medium${kept}`);
    return;
  }
  const uuid = new TextDecoder().decode(content).trim();
  if (!/^\S+$/.test(uuid)) {
    throw new FormatError(
      `${rule.initrdPath} of the new ${liveBoot.isoInitrd} holds ${JSON.stringify(uuid)}, not one UUID`,
      {
        hint: 'check the casper initramfs hook of the layer (it writes the file when CASPER_GENERATE_UUID is set)',
      },
    );
  }
  for (const file of files) await put(file, `${uuid}\n`);
  say(`${files.join(', ')}: ${uuid}, the casper UUID of the new ${liveBoot.isoInitrd}`);
}
