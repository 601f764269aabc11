import { dirname } from 'node:path';
import { readInitrdFile } from '../distro/initrd.ts';
import { FormatError } from '../errors.ts';
import type { LiveBootFiles } from '../layer/boot-files.ts';
import type { MediumSource } from './source.ts';

/**
 * After a kernel swap, makes the medium agree with the new initrd: casper refuses a medium unless
 * one of its .disk/casper-uuid-* files holds the initrd's conf/uuid.conf, and every update-initramfs
 * with CASPER_GENERATE_UUID makes a new one. The files that held the replaced initrd's UUID get the
 * new one; the other initrds' files (22.04.5 has casper-uuid-generic and -generic-hwe) are kept. An
 * initrd without a UUID accepts any medium, so nothing changes.
 */
export async function makeMediumUuidChanges(
  plan: MediumSource,
  liveBoot: LiveBootFiles,
  put: (isoPath: string, content: string) => Promise<void>,
  say: (line: string) => void,
): Promise<void> {
  const rule = plan.layout.mediumUuid;
  if (!rule) return;
  const files = filesToUpdate(plan, liveBoot.replacedUuid, rule.newMediumFile);
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

/**
 * The UUID files holding the replaced initrd's UUID. When none does (the old initrd had none, or
 * the medium no file), a file of its own, so no other initrd loses the file it boots by.
 */
function filesToUpdate(plan: MediumSource, replacedUuid: string | null, newFile: string): string[] {
  const { uuidFiles } = plan.original;
  const holding = uuidFiles.filter((file) => plan.mediumFiles.get(file)?.trim() === replacedUuid);
  if (replacedUuid && holding.length) return holding;
  // A medium with one initrd: every file it has boots that initrd.
  const initrds = new Set((plan.original.bootChains ?? []).map((chain) => chain.initrd));
  if (initrds.size <= 1 && uuidFiles.length) return uuidFiles;
  return [newFile];
}
