import { chmod, cp, lstat, mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveInsideRoot, resolveRecipePath } from '../safety/confine.ts';
import { InputError } from '../errors.ts';
import { runInSession, type StepHandler } from './types.ts';

export interface CopyParams {
  src: string;
  dest: string;
  mode?: string;
  owner?: string;
}

/** copy: a file or folder from the recipe's folder into the image, with mode and owner. */
export const copyStep: StepHandler<CopyParams> = {
  describe: (p) => `copy ${p.src} -> ${p.dest}`,
  shell: (p) => [
    `cp -a ${p.src} squashfs-root${p.dest}`,
    ...(p.mode ? [`chmod ${p.mode} squashfs-root${p.dest}`] : []),
    ...(p.owner ? [`chroot squashfs-root chown -R ${p.owner} ${p.dest}`] : []),
  ],
  async run(p, context) {
    const source = await resolveRecipePath(context.recipeDir, p.src);
    const info = await stat(source).catch(() => undefined);
    if (!info) throw new InputError(`copy: ${p.src} does not exist`, { hint: `put it at ${source}` });
    // Resolved as if the image's root were "/": an image symlink cannot send the write to the host.
    const target = await resolveInsideRoot(context.root, p.dest, { followFinal: false });
    await mkdir(dirname(target), { recursive: true });
    // A symlink already at the destination is replaced, never written through.
    if ((await lstat(target).catch(() => undefined))?.isSymbolicLink()) await rm(target);
    await cp(source, target, { recursive: true, force: true, verbatimSymlinks: true });
    if (p.mode) await chmod(target, parseInt(p.mode, 8));
    if (p.owner) await runInSession(context, ['chown', '-R', p.owner, p.dest]);
  },
};
