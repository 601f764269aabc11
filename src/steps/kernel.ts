import { z } from 'zod';
import { defineStep, DPKG_STATUS } from './define.ts';
import { requestInitramfsAction } from './initramfs.ts';

// Ubuntu splits a kernel into image, modules and headers; Debian ships image and headers.
function candidates(version: string, headers: boolean): string[] {
  return [
    `linux-image-${version}`,
    `linux-modules-${version}`,
    `linux-modules-extra-${version}`,
    ...(headers ? [`linux-headers-${version}`] : []),
  ];
}

const META_PACKAGES = [
  'linux-image-generic',
  'linux-headers-generic',
  'linux-generic',
  'linux-image-amd64',
  'linux-headers-amd64',
];

/**
 * Installs the candidates the image's apt knows ($1 must be among them), holds them and the meta
 * packages the image has installed (one it lacks pulls no kernel), then rebuilds every initramfs
 * and checks the new kernel got one: Ubuntu and Debian name their kernel packages differently.
 */
const INSTALL_SCRIPT = [
  'required=$1; hold=$2; shift 2',
  'known() { apt-cache show "$1" >/dev/null 2>&1; }',
  'installed() { dpkg-query -W -f=\'${Status}\' "$1" 2>/dev/null | grep -q "ok installed"; }',
  'apt-get update',
  'wanted=; metas=',
  'for p in "$@"; do',
  '  case $p in meta:*) installed "${p#meta:}" && metas="$metas ${p#meta:}" ;; *) known "$p" && wanted="$wanted $p" ;; esac',
  'done',
  'case " $wanted " in *" $required "*) ;; *)',
  "  echo \"kernel: $required is not available in the image's apt sources (apt-cache search '^linux-image-[0-9]' lists them)\" >&2; exit 1 ;;",
  'esac',
  // linux-image depends on initramfs-tools | linux-initramfs-tool: apt adds one if the image lacks it.
  'apt-get install -y --no-install-recommends $wanted',
  'if [ "$hold" = hold ]; then apt-mark hold $wanted $metas; fi',
].join('\n');

/**
 * kernel: install one kernel version, hold it and the installed meta packages (so an upgrade or a
 * later driver install cannot pull a newer kernel). Its initramfs is made once, after the layer's
 * steps (INITRD=No keeps the package's own hook from making it first), and must then exist.
 */
export const kernelStep = defineStep({
  name: 'kernel',
  schema: z.strictObject({
    version: z.string().regex(/^\d+\.\d+[\w.+~-]*$/, 'must be a kernel release such as 5.15.0-119-generic'),
    hold: z.boolean().default(true),
    headers: z.boolean().default(true),
  }),
  describe: (p) => `install kernel ${p.version}${p.hold ? ' and hold it' : ''}`,
  plan: (p) => ({
    actions: [
      {
        kind: 'program',
        env: { INITRD: 'No' },
        argv: [
          'sh',
          '-ec',
          INSTALL_SCRIPT,
          'kernel',
          `linux-image-${p.version}`,
          p.hold ? 'hold' : 'no-hold',
          ...candidates(p.version, p.headers),
          ...META_PACKAGES.map((name) => `meta:${name}`),
        ],
      },
      requestInitramfsAction([p.version], true),
    ],
  }),
  writes: () => [DPKG_STATUS],
});
