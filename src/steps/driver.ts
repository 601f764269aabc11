import { basename } from 'node:path';
import { z } from 'zod';
import { defineStep, DPKG_STATUS } from './define.ts';
import { requestInitramfsAction } from './initramfs.ts';

/** Where the step keeps its notes and the module packages it makes: the chroot's private /run, never the layer. */
const WORK = '/run/isoforge-driver';
/** Where local .debs wait for apt inside the image (removed after the step). */
const STAGING = '/var/cache/isoforge-driver-debs';

/**
 * The image's kernels are the folders of /lib/modules that hold a real modules tree; `uname -r`
 * inside a chroot names the build machine's kernel, which the image does not have.
 */
const KERNELS = [
  'kernels=',
  'for dir in /lib/modules/*; do [ -f "$dir/modules.order" ] && kernels="$kernels ${dir##*/}"; done',
  '[ -n "$kernels" ] || { echo "driver: no kernel in this layer\'s chain (no /lib/modules/*/modules.order): install one first (the kernel step)" >&2; exit 1; }',
  'echo "driver: the image\'s kernels:$kernels"',
];

/** Each kernel needs its headers; a kernel the image's apt has none for fails before anything is installed. */
const HEADERS = [
  'installed() { dpkg-query -W -f=\'${Status}\' "$1" 2>/dev/null | grep -q "ok installed"; }',
  'apt-get update',
  'headers=',
  'for k in $kernels; do',
  '  installed "linux-headers-$k" && continue',
  '  apt-cache show "linux-headers-$k" >/dev/null 2>&1 || { echo "driver: kernel $k has no headers: linux-headers-$k is not in the image\'s apt sources (add the archive that has it, or install a kernel that has headers)" >&2; exit 1; }',
  '  headers="$headers linux-headers-$k"',
  'done',
];

/** NAME/VERSION of each module DKMS knows, one a line. */
const DKMS_MODULES = `{ ! command -v dkms >/dev/null || dkms status 2>/dev/null; } | sed -n 's#^\\([^/,]*\\)/\\([^,:]*\\)[,:].*#\\1/\\2#p' | sort -u`;

/**
 * DKMS builds on install for the kernels it finds; every module the step added (not those the
 * image already had) is then made sure of for every kernel.
 */
const BUILD = [
  `mkdir -p ${WORK}/debs`,
  `dpkg-query -W -f='\${Package}\\n' | sort > ${WORK}/before`,
  `${DKMS_MODULES} > ${WORK}/modules-before`,
  'apt-get install -y --no-install-recommends "$@" $headers',
  `${DKMS_MODULES} | comm -13 ${WORK}/modules-before - > ${WORK}/modules`,
  `for module in $(cat ${WORK}/modules); do`,
  '  for k in $kernels; do',
  '    dkms status -m "${module%/*}" -v "${module#*/}" -k "$k" | grep -q ": installed" && continue',
  '    dkms install -m "${module%/*}" -v "${module#*/}" -k "$k" || { tail -n 30 "/var/lib/dkms/$module/build/make.log" >&2; echo "driver: $module did not build for kernel $k" >&2; exit 1; }',
  '  done',
  'done',
  // What DKMS may have made for the build machine's kernel is not the image's.
  'host=$(uname -r)',
  'case " $kernels " in *" $host "*) ;; *)',
  '  for made in /var/lib/dkms/*/*/"$host" /lib/modules/"$host"; do',
  '    [ -e "$made" ] && { echo "driver: removing $made, made for the build machine\'s kernel"; rm -rf "$made"; }',
  '  done ;;',
  'esac',
];

/**
 * Unless the build tools are kept: each built module goes into a small package of its own
 * (isoforge-NAME-modules-KERNEL, made with dpkg-deb), then the DKMS source packages, the headers
 * the step added and what only they needed (compiler, dkms) are purged, and the module packages
 * installed: the image keeps the modules and a dpkg record of them.
 */
const PACKAGE_AND_PURGE = [
  'if [ "$keep" = purge ]; then',
  '  arch=$(dpkg --print-architecture)',
  `  for module in $(cat ${WORK}/modules); do`,
  '    name=${module%/*}; version=${module#*/}',
  '    for k in $kernels; do',
  `      tree=${WORK}/tree-$name-$k; package=$(echo "isoforge-$name-modules-$k" | tr 'A-Z_' 'a-z-')`,
  '      mkdir -p "$tree/DEBIAN" "$tree/lib/modules/$k/updates/dkms"',
  '      cp /var/lib/dkms/"$module"/"$k"/*/module/* "$tree/lib/modules/$k/updates/dkms/"',
  '      printf "Package: %s\\nVersion: %s\\nArchitecture: %s\\nMaintainer: isoforge\\nSection: kernel\\nPriority: optional\\nDescription: %s kernel modules for %s\\n built by DKMS from %s %s during an isoforge build; the build tools were removed\\n" "$package" "$version" "$arch" "$name" "$k" "$name" "$version" > "$tree/DEBIAN/control"',
  `      dpkg-deb --root-owner-group --build "$tree" ${WORK}/debs/ >/dev/null`,
  '    done',
  '  done',
  `  new=$(dpkg-query -W -f='\${Package}\\n' | sort | comm -13 ${WORK}/before -)`,
  '  sources=; for p in $new; do dpkg -L "$p" 2>/dev/null | grep -q "^/usr/src/.*/dkms.conf$" && sources="$sources $p"; done',
  '  [ -z "$sources$headers" ] || apt-get purge -y $sources $headers',
  // What only the removed packages needed, whatever merely recommends or suggests it.
  '  orphans=$(apt-get -s -o APT::AutoRemove::RecommendsImportant=false -o APT::AutoRemove::SuggestsImportant=false autoremove | sed -n "s/^Remv \\([^ ]*\\).*/\\1/p")',
  `  leftover=$(for p in $orphans; do grep -qx "$p" ${WORK}/before || echo "$p"; done)`,
  '  [ -z "$leftover" ] || apt-get purge -y $leftover',
  `  set -- ${WORK}/debs/*.deb; [ -e "$1" ] && dpkg -i "$@"`,
  '  echo "driver: removed the build tools:" $sources $headers $leftover',
  'fi',
];

const FINISH = ['for k in $kernels; do depmod -a "$k"; done'];

const SCRIPT = ['keep=$1; shift', ...KERNELS, ...HEADERS, ...BUILD, ...PACKAGE_AND_PURGE, ...FINISH].join(
  '\n',
);

/**
 * driver: kernel modules from packages (DKMS sources such as v4l2loopback-dkms, or prebuilt module
 * packages), built and indexed for every kernel of the layer's chain, never for the build machine's.
 */
export const driverStep = defineStep({
  name: 'driver',
  schema: z
    .strictObject({
      packages: z
        .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name'))
        .default([])
        .describe('apt packages: DKMS sources (NAME-dkms) or prebuilt module packages'),
      debs: z
        .array(z.string().min(1))
        .default([])
        .describe(
          "local .deb files (a vendor's DKMS package), relative to the recipe; apt adds their dependencies",
        ),
      keepBuildTools: z
        .boolean()
        .default(false)
        .describe(
          'keep the compiler, dkms and the headers (default: removed, the built modules kept as a package)',
        ),
      initramfs: z
        .boolean()
        .default(false)
        .describe("rebuild each kernel's initramfs, once after the layer's steps (a driver needed to boot)"),
    })
    .refine((p) => p.packages.length + p.debs.length > 0, 'name packages, debs or both'),
  describe: (p) =>
    `driver ${[...p.packages, ...p.debs.map((deb) => basename(deb))].join(', ')} for every kernel of the chain`,
  plan: (p) => ({
    actions: [
      ...p.debs.map((deb) => ({ kind: 'copy-in' as const, source: deb, dest: stagedPath(deb) })),
      {
        kind: 'program',
        argv: [
          'sh',
          '-ec',
          SCRIPT,
          'driver',
          p.keepBuildTools ? 'keep' : 'purge',
          ...p.packages,
          ...p.debs.map(stagedPath),
        ],
      },
      ...(p.initramfs ? [requestInitramfsAction('all')] : []),
    ],
    cleanup: p.debs.length ? [{ kind: 'remove', dest: STAGING }] : [],
  }),
  writes: () => [DPKG_STATUS],
  reads: (p) => p.debs,
});

function stagedPath(deb: string): string {
  return `${STAGING}/${basename(deb)}`;
}
