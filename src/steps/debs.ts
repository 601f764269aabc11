import { basename } from 'node:path';
import { z } from 'zod';
import { defineStep, DPKG_STATUS } from './define.ts';

const STAGING = '/var/cache/isoforge-debs';

/** debs: install local .deb files with dpkg -i, then let apt-get -f install pull their dependencies. */
export const debsStep = defineStep({
  name: 'debs',
  schema: z.array(z.string().min(1)).min(1).describe('local .deb files: dpkg -i, then apt-get -f install'),
  describe: (debs) => `install ${debs.length} local .deb file(s): ${debs.map((d) => basename(d)).join(', ')}`,
  plan: (debs) => {
    const inside = debs.map((deb) => `${STAGING}/${basename(deb)}`);
    return {
      actions: [
        ...debs.map((deb, i) => ({ kind: 'copy-in' as const, source: deb, dest: inside[i] as string })),
        {
          kind: 'program',
          argv: ['dpkg', '-i', ...inside],
          // dpkg -i leaves missing dependencies unconfigured: apt resolves and configures them.
          orElse: [
            ['apt-get', 'update'],
            ['apt-get', '-f', 'install', '-y'],
          ],
        },
      ],
      cleanup: [{ kind: 'remove', dest: STAGING }],
    };
  },
  writes: () => [DPKG_STATUS],
  reads: (debs) => debs,
});
