import { runInSession, type StepContext, type StepHandler } from './types.ts';

export interface KernelParams {
  version: string;
  hold: boolean;
  headers: boolean;
}

// Ubuntu splits a kernel into image, modules and headers; Debian ships image and headers.
function candidates(p: KernelParams): string[] {
  return [
    `linux-image-${p.version}`,
    `linux-modules-${p.version}`,
    `linux-modules-extra-${p.version}`,
    ...(p.headers ? [`linux-headers-${p.version}`] : []),
  ];
}
const META_PACKAGES = [
  'linux-image-generic',
  'linux-headers-generic',
  'linux-generic',
  'linux-image-amd64',
  'linux-headers-amd64',
];

/** Names among NAMES that the image's apt knows (available or installed). */
async function knownPackages(context: StepContext, names: readonly string[]): Promise<string[]> {
  const out = await context.session.run(['apt-cache', 'policy', ...names], { signal: context.signal });
  return names.filter((name) =>
    new RegExp(
      `^${name.replace(/[.+]/g, '\\$&')}:\\n\\s+Installed: (?!\\(none\\)\\n\\s+Candidate: \\(none\\))`,
      'm',
    ).test(out),
  );
}

/**
 * kernel: install one kernel version, hold it and the meta packages (so a later driver install
 * cannot pull a newer kernel), and rebuild the initramfs for every kernel in the image. Never
 * `uname -r`: inside a chroot it names the host's kernel.
 */
export const kernelStep: StepHandler<KernelParams> = {
  describe: (p) => `install kernel ${p.version}${p.hold ? ' and hold it' : ''}`,
  shell: (p) => [
    'chroot squashfs-root apt-get update',
    `chroot squashfs-root apt-get install -y ${candidates(p).join(' ')}`,
    ...(p.hold
      ? [`chroot squashfs-root apt-mark hold ${candidates(p).join(' ')} ${META_PACKAGES.join(' ')}`]
      : []),
    'chroot squashfs-root update-initramfs -u -k all',
  ],
  async run(p, context) {
    await runInSession(context, ['apt-get', 'update']);
    const wanted = await knownPackages(context, candidates(p));
    if (!wanted.includes(`linux-image-${p.version}`)) {
      throw new Error(`kernel: linux-image-${p.version} is not available in the image's apt sources`);
    }
    await runInSession(context, ['apt-get', 'install', '-y', '--no-install-recommends', ...wanted]);
    if (p.hold) {
      const metas = await knownPackages(context, META_PACKAGES);
      await runInSession(context, ['apt-mark', 'hold', ...wanted, ...metas]);
    }
    await rebuildInitramfs(context, 'all');
  },
};

/** update-initramfs for the image's kernels (all, or the named versions), if the image has initramfs-tools. */
export async function rebuildInitramfs(
  context: StepContext,
  kernels: 'all' | readonly string[],
): Promise<void> {
  const has = await context.session.run(['sh', '-c', 'command -v update-initramfs || true'], {
    signal: context.signal,
  });
  if (!has.trim()) {
    context.say('the image has no update-initramfs; skipping the initramfs rebuild');
    return;
  }
  for (const version of kernels === 'all' ? ['all'] : kernels) {
    await runInSession(context, ['update-initramfs', '-u', '-k', version]);
  }
}
