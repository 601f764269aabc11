import { rebuildInitramfs } from './kernel.ts';
import type { StepHandler } from './types.ts';

export type InitramfsParams = true | { kernels: string[] };

/** initramfs: rebuild the initramfs of every kernel in the image (or the named ones). */
export const initramfsStep: StepHandler<InitramfsParams> = {
  describe: (p) => `rebuild initramfs for ${p === true ? 'all kernels' : p.kernels.join(', ')}`,
  shell: (p) =>
    (p === true ? ['all'] : p.kernels).map((k) => `chroot squashfs-root update-initramfs -u -k ${k}`),
  run: (p, context) => rebuildInitramfs(context, p === true ? 'all' : p.kernels),
};
