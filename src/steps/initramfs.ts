import { z } from 'zod';
import { defineStep, type StepAction } from './define.ts';

/**
 * Where steps ask for an initramfs: the chroot's private /run (never the layer). A kernel package,
 * a driver and an `initramfs` step each used to make the same initrd again, a minute or more each;
 * the requests are made once per kernel after the layer's steps (REBUILD_REQUESTED_INITRAMFS).
 */
const REQUESTS = '/run/isoforge/initramfs';

/**
 * Asks for the initramfs of KERNELS ('all': every kernel the layer's chain holds) after the steps;
 * CHECK also fails the build if a kernel is then left without one.
 */
export function requestInitramfsAction(kernels: 'all' | readonly string[], check = false): StepAction {
  const lines =
    kernels === 'all' ? ['all'] : [...kernels, ...(check ? kernels.map((k) => `check ${k}`) : [])];
  const script = `mkdir -p ${REQUESTS.slice(0, REQUESTS.lastIndexOf('/'))}; for line in "$@"; do echo "$line" >> ${REQUESTS}; done`;
  return { kind: 'program', argv: ['sh', '-ec', script, 'initramfs', ...lines] };
}

/**
 * After the steps: each requested kernel's initramfs made once (`-c` when it has none, else `-u`),
 * never `uname -r` (inside a chroot it names the host's kernel); then the kernels a kernel step
 * installed must have one.
 */
export const REBUILD_REQUESTED_INITRAMFS: readonly string[] = [
  'sh',
  '-ec',
  [
    `requests=${REQUESTS}`,
    '[ -f "$requests" ] || exit 0',
    'all() { for dir in /lib/modules/*; do [ -f "$dir/modules.order" ] && echo "${dir##*/}"; done; }',
    'wanted=$( { grep -v "^check " "$requests" | grep -vx all || true; ! grep -qx all "$requests" || all; } | sort -u)',
    'if command -v update-initramfs >/dev/null; then',
    '  for k in $wanted; do',
    '    if [ -e "/boot/initrd.img-$k" ]; then update-initramfs -u -k "$k"; else update-initramfs -c -k "$k"; fi',
    '  done',
    'elif [ -n "$wanted" ]; then',
    '  echo "the image has no update-initramfs; skipping the initramfs of:" $wanted',
    'fi',
    'for k in $(sed -n "s/^check //p" "$requests"); do',
    '  [ -f "/boot/initrd.img-$k" ] || { echo "kernel: linux-image-$k is installed but /boot/initrd.img-$k was not made (install initramfs-tools in the image first)" >&2; exit 1; }',
    'done',
    'rm -f "$requests"',
  ].join('\n'),
];

/**
 * initramfs: the initramfs of every kernel in the layer's chain (or the named ones), made once
 * after the layer's steps with whatever else asked for it.
 */
export const initramfsStep = defineStep({
  name: 'initramfs',
  schema: z.union([z.literal(true), z.strictObject({ kernels: z.array(z.string()).min(1) })]),
  describe: (p) =>
    `rebuild initramfs for ${p === true ? 'all kernels' : p.kernels.join(', ')} (after the steps)`,
  plan: (p) => ({ actions: [requestInitramfsAction(p === true ? 'all' : p.kernels)] }),
});
