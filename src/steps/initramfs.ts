import { z } from 'zod';
import { defineStep, type StepAction } from './define.ts';

/**
 * update-initramfs for the image's kernels (all, or the named versions), when the image has
 * initramfs-tools: one script, so the build and the printed dry-run do the same.
 */
export function rebuildInitramfsAction(kernels: 'all' | readonly string[]): StepAction {
  const versions = kernels === 'all' ? ['all'] : kernels;
  const script = [
    'if ! command -v update-initramfs >/dev/null; then',
    '  echo "the image has no update-initramfs; skipping the initramfs rebuild"',
    '  exit 0',
    'fi',
    'for version in "$@"; do update-initramfs -u -k "$version"; done',
  ].join('\n');
  return { kind: 'chroot', argv: ['sh', '-ec', script, 'initramfs', ...versions] };
}

/** initramfs: rebuild the initramfs of every kernel in the image (or the named ones). */
export const initramfsStep = defineStep({
  name: 'initramfs',
  schema: z.union([z.literal(true), z.strictObject({ kernels: z.array(z.string()).min(1) })]),
  describe: (p) => `rebuild initramfs for ${p === true ? 'all kernels' : p.kernels.join(', ')}`,
  plan: (p) => ({ actions: [rebuildInitramfsAction(p === true ? 'all' : p.kernels)] }),
});
