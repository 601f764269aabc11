import { runInSession, type StepHandler, type StepContext } from './types.ts';

export interface AptParams {
  update?: boolean;
  install?: string[];
  remove?: string[];
  purge?: string[];
  hold?: string[];
  unhold?: string[];
}

const APT = [
  'apt-get',
  '-y',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
];

function commands(p: AptParams): string[][] {
  const needsIndex = Boolean(p.install?.length);
  const list: string[][] = [];
  if (p.update || needsIndex) list.push(['apt-get', 'update']);
  if (p.unhold?.length) list.push(['apt-mark', 'unhold', ...p.unhold]);
  if (p.install?.length) list.push([...APT, 'install', '--no-install-recommends', ...p.install]);
  if (p.remove?.length) list.push([...APT, 'remove', ...p.remove]);
  if (p.purge?.length) list.push([...APT, 'purge', ...p.purge]);
  if (p.hold?.length) list.push(['apt-mark', 'hold', ...p.hold]);
  return list;
}

/** apt: update, install, remove, purge, hold and unhold packages inside the image. */
export const aptStep: StepHandler<AptParams> = {
  describe: (p) =>
    `apt ${Object.entries(p)
      .map(([k, v]) => (Array.isArray(v) ? `${k} ${v.join(' ')}` : k))
      .join('; ')}`,
  shell: (p) => commands(p).map((argv) => `chroot squashfs-root ${argv.join(' ')}`),
  async run(p, context: StepContext) {
    for (const argv of commands(p)) await runInSession(context, argv);
  },
};
