import { z } from 'zod';
import { defineStep, DPKG_STATUS } from './define.ts';

const packageList = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*(?:[:=][^\s]+)?$/, 'must be a Debian package name'))
  .min(1);

const APT = [
  'apt-get',
  '-y',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
];

/** apt: update, install, remove, purge, hold and unhold packages inside the image. */
export const aptStep = defineStep({
  name: 'apt',
  schema: z
    .strictObject({
      update: z.boolean().optional(),
      install: packageList.optional(),
      remove: packageList.optional(),
      purge: packageList.optional(),
      hold: packageList.optional(),
      unhold: packageList.optional(),
    })
    .refine(
      (apt) => Object.keys(apt).length > 0,
      'needs at least one of update, install, remove, purge, hold, unhold',
    ),
  describe: (p) =>
    `apt ${Object.entries(p)
      .map(([k, v]) => (Array.isArray(v) ? `${k} ${v.join(' ')}` : k))
      .join('; ')}`,
  plan: (p) => {
    const list: string[][] = [];
    if (p.update || p.install?.length) list.push(['apt-get', 'update']);
    if (p.unhold?.length) list.push(['apt-mark', 'unhold', ...p.unhold]);
    if (p.install?.length) list.push([...APT, 'install', '--no-install-recommends', ...p.install]);
    if (p.remove?.length) list.push([...APT, 'remove', ...p.remove]);
    if (p.purge?.length) list.push([...APT, 'purge', ...p.purge]);
    if (p.hold?.length) list.push(['apt-mark', 'hold', ...p.hold]);
    return { actions: list.map((argv) => ({ kind: 'program' as const, argv })) };
  },
  writes: () => [DPKG_STATUS],
});
