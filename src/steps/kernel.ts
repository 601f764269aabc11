import { lstat } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { resolveInsideRoot } from '../safety/confine.ts';
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

interface PackagePolicy {
  installed: boolean;
  available: boolean;
}

/** `apt-cache policy` of NAMES inside the image: whether each is installed, and whether apt has it. */
async function readPolicies(
  context: StepContext,
  names: readonly string[],
): Promise<Map<string, PackagePolicy>> {
  const out = await context.session.run(['apt-cache', 'policy', ...names], { signal: context.signal });
  return new Map(names.map((name) => [name, parsePolicy(out, name)]));
}

/** One package of `apt-cache policy` output; a name apt does not know at all is absent from it. */
export function parsePolicy(out: string, name: string): PackagePolicy {
  const escaped = name.replace(/[.+]/g, '\\$&');
  const match = new RegExp(`^${escaped}:\\n\\s+Installed: (\\S+)\\n\\s+Candidate: (\\S+)`, 'm').exec(out);
  return {
    installed: (match?.[1] ?? '(none)') !== '(none)',
    available: (match?.[2] ?? '(none)') !== '(none)',
  };
}

/**
 * kernel: install one kernel version, hold it and the meta packages the image has installed (so an
 * upgrade or a later driver install cannot pull a newer kernel), and rebuild the initramfs for every
 * kernel in the image. Never `uname -r`: inside a chroot it names the host's kernel. The initramfs
 * generator comes with the kernel: Debian's and Ubuntu's linux-image packages depend on
 * `initramfs-tools | linux-initramfs-tool`, so apt adds initramfs-tools to an image that has none;
 * a kernel that still ends without /boot/initrd.img-VERSION fails the step, since it could not boot.
 */
export const kernelStep: StepHandler<KernelParams> = {
  describe: (p) => `install kernel ${p.version}${p.hold ? ' and hold it' : ''}`,
  shell: (p) => [
    'chroot squashfs-root apt-get update',
    `chroot squashfs-root apt-get install -y --no-install-recommends ${candidates(p).join(' ')}`,
    ...(p.hold
      ? [`chroot squashfs-root apt-mark hold ${candidates(p).join(' ')} ${META_PACKAGES.join(' ')}`]
      : []),
    'chroot squashfs-root update-initramfs -u -k all',
    `test -f squashfs-root/boot/initrd.img-${p.version}`,
  ],
  async run(p, context) {
    await runInSession(context, ['apt-get', 'update']);
    const policies = await readPolicies(context, [...candidates(p), ...META_PACKAGES]);
    const wanted = candidates(p).filter(
      (name) => policies.get(name)?.installed || policies.get(name)?.available,
    );
    if (!wanted.includes(`linux-image-${p.version}`)) {
      throw new InputError(`kernel: linux-image-${p.version} is not available in the image's apt sources`, {
        hint: "pick a version that `apt-cache search '^linux-image-[0-9]'` lists inside the image, or add the archive that has it in an earlier step",
      });
    }
    await runInSession(context, ['apt-get', 'install', '-y', '--no-install-recommends', ...wanted]);
    if (p.hold) {
      // A meta package the image does not have needs no hold: nothing installed would pull a kernel.
      const metas = META_PACKAGES.filter((name) => policies.get(name)?.installed);
      await runInSession(context, ['apt-mark', 'hold', ...wanted, ...metas]);
    }
    await rebuildInitramfs(context, 'all');
    await checkInitrd(context, p.version);
  },
};

async function checkInitrd(context: StepContext, version: string): Promise<void> {
  const initrd = await resolveInsideRoot(context.root, `/boot/initrd.img-${version}`);
  if (!(await lstat(initrd).catch(() => undefined))?.isFile()) {
    throw new InputError(
      `kernel: linux-image-${version} is installed but /boot/initrd.img-${version} was not made`,
      {
        hint: 'install an initramfs generator (initramfs-tools) in the image before the kernel step',
      },
    );
  }
}

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
