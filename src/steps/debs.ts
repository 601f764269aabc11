import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError } from '../errors.ts';
import { resolveInsideRoot, resolveRecipePath } from '../safety/confine.ts';
import { runInSession, type StepHandler } from './types.ts';

const STAGING = '/var/cache/isoforge-debs';

/** debs: install local .deb files with dpkg -i, then let apt-get -f install pull their dependencies. */
export const debsStep: StepHandler<string[]> = {
  describe: (debs) => `install ${debs.length} local .deb file(s): ${debs.map((d) => basename(d)).join(', ')}`,
  shell: (debs) => [
    `cp ${debs.join(' ')} squashfs-root/tmp/`,
    `chroot squashfs-root dpkg -i ${debs.map((d) => `/tmp/${basename(d)}`).join(' ')} || chroot squashfs-root apt-get -f install -y`,
  ],
  async run(debs, context) {
    const sources = await Promise.all(debs.map((deb) => resolveRecipePath(context.recipeDir, deb)));
    for (const [i, source] of sources.entries()) {
      if (!(await stat(source).catch(() => undefined))?.isFile()) {
        throw new InputError(`debs: ${debs[i]} does not exist`, { hint: `put the .deb at ${source}` });
      }
    }
    const staging = await resolveInsideRoot(context.root, STAGING);
    await mkdir(staging, { recursive: true });
    try {
      const inside = [];
      for (const source of sources) {
        await copyFile(source, join(staging, basename(source)));
        inside.push(`${STAGING}/${basename(source)}`);
      }
      try {
        await runInSession(context, ['dpkg', '-i', ...inside]);
      } catch {
        context.say('dpkg -i left dependencies unresolved; running apt-get -f install');
        await runInSession(context, ['apt-get', 'update']);
        await runInSession(context, ['apt-get', '-f', 'install', '-y']);
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  },
};
