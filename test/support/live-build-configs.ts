/**
 * live-build configurations for real Debian live fixtures. Each one is the `lb config` arguments
 * plus the files laid into the config/ tree; ensureLiveBuildIso (live-build.ts) keys its cache on
 * exactly these, so editing a configuration here rebuilds its ISO.
 */
export interface LiveBuildConfig {
  /** Short name, used in the cache folder and in test titles. */
  name: string;
  /** Arguments to `lb config`, after `lb config --mode debian`. */
  configArgs: readonly string[];
  /** Files written below the build folder before `lb config`: relative path -> content. */
  files: Readonly<Record<string, string>>;
  /** The ISO `lb build` leaves in the build folder (its name follows --binary-images). */
  isoName: string;
  /** The firmware/media pairs the image boots in, as a recipe's verify.boot spells them. */
  bootModes: readonly BootMode[];
  /** live-build's own menus, which wait for a key: only a recipe's menu timeout boots it unattended. */
  stockMenus: boolean;
}

export type BootMode = 'bios/cdrom' | 'bios/usb' | 'uefi/cdrom' | 'uefi/usb';

/** The line the marker unit prints; the sample's initrd prints the same shape (src/sample/assets/init.sh). */
export const LIVE_MARKER_PREFIX = 'ISOFORGE-SAMPLE-BOOT ok release=';

/** The mirror apt on this machine uses; live-build must use it too (nothing else is reachable). */
const MIRROR = 'http://deb.debian.org/debian';
const SECURITY_MIRROR = 'http://deb.debian.org/debian-security';

// A oneshot unit that shows, from the booted system, which /etc/isoforge-release the image carries.
// It runs as soon as the root file system is up (sysinit), not after multi-user: QEMU without KVM is slow.
const MARKER_HOOK = `#!/bin/sh
set -e
cat > /usr/local/sbin/isoforge-marker <<'EOF'
#!/bin/sh
release=none
if [ -s /etc/isoforge-release ]; then release=$(head -n 1 /etc/isoforge-release | tr -s ' \\t' '__'); fi
line="${LIVE_MARKER_PREFIX}$release kernel=$(uname -r)"
for out in /dev/ttyS0 /dev/tty0; do echo "$line" > "$out" 2>/dev/null || true; done
EOF
chmod 0755 /usr/local/sbin/isoforge-marker
cat > /etc/systemd/system/isoforge-marker.service <<'EOF'
[Unit]
Description=isoforge test marker on the serial console
DefaultDependencies=no
After=local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/isoforge-marker

[Install]
WantedBy=sysinit.target
EOF
systemctl enable isoforge-marker.service
`;

// live-build 1:20230502 ships menus with no timeout (isolinux `timeout 0`, GRUB none): a fixture
// must boot unattended, so these replace the two templates that hold the timeout.
const ISOLINUX_CFG = `include menu.cfg
default vesamenu.c32
prompt 0
timeout 10
`;
const GRUB_CONFIG_CFG = `set default=0
set timeout=1
`;

const PACKAGE_LIST = 'live-boot\nlive-config\nlive-config-systemd\nsystemd-sysv\n';

// What a sysadmin's server live image carries beyond the boot essentials. They also make the layer
// large enough (over 215 MB of xz) for the rebuild benchmark of issue 11 to measure a realistic
// repack. live-build's stock hooks drop what differs per machine: SSH host keys (live-config makes
// new ones at boot), .pyc files and the man-db cache.
const SERVER_PACKAGE_LIST = [
  'openssh-server',
  'sudo',
  'python3',
  'vim',
  'less',
  'man-db',
  'bash-completion',
  'tmux',
  'htop',
  'lsof',
  'strace',
  'tcpdump',
  'rsync',
  'curl',
  'wget',
  'ca-certificates',
  'bind9-dnsutils',
  'firmware-linux-free',
]
  .map((name) => `${name}\n`)
  .join('');

function commonArgs(): string[] {
  return [
    '--distribution',
    'bookworm',
    '--architectures',
    'amd64',
    '--archive-areas',
    'main',
    '--mirror-bootstrap',
    MIRROR,
    '--mirror-chroot',
    MIRROR,
    '--mirror-binary',
    MIRROR,
    '--mirror-chroot-security',
    SECURITY_MIRROR,
    '--mirror-binary-security',
    SECURITY_MIRROR,
    '--debian-installer',
    'none',
    '--apt-recommends',
    'false',
    '--apt-indices',
    'false',
    '--firmware-binary',
    'false',
    '--firmware-chroot',
    'false',
    '--memtest',
    'none',
    '--win32-loader',
    'false',
    '--zsync',
    'false',
    '--checksums',
    'sha256',
    '--iso-volume',
    'ISOFORGE LIVE',
  ];
}

/** A serial console, so the kernel and the boot test see the same lines (recipes of the stock fixture add it). */
const SERIAL_BOOTAPPEND = ['--bootappend-live', 'boot=live components console=tty0 console=ttyS0,115200'];

const COMMON_FILES: Record<string, string> = {
  'config/hooks/normal/9000-isoforge-marker.hook.chroot': MARKER_HOOK,
  'config/package-lists/isoforge.list.chroot': PACKAGE_LIST,
};

/** Menus that boot on their own, for fixtures whose recipes do not set a timeout. */
const UNATTENDED_MENU_FILES: Record<string, string> = {
  'config/bootloaders/isolinux/isolinux.cfg': ISOLINUX_CFG,
  'config/bootloaders/grub-pc/config.cfg': GRUB_CONFIG_CFG,
};

/**
 * The shape of Debian 12's official live images: isolinux for BIOS, GRUB for UEFI, hybrid for USB,
 * with live-build's stock menus (no timeout: they wait for a key) and stock kernel arguments
 * (quiet splash, no serial console). Its recipe must set the timeout and console to boot unattended.
 */
export const BOOKWORM_HYBRID: LiveBuildConfig = {
  name: 'bookworm-hybrid',
  configArgs: [...commonArgs(), '--binary-images', 'iso-hybrid', '--bootloaders', 'grub-efi syslinux'],
  files: { ...COMMON_FILES, 'config/package-lists/server.list.chroot': SERVER_PACKAGE_LIST },
  isoName: 'live-image-amd64.hybrid.iso',
  bootModes: ['bios/cdrom', 'uefi/cdrom', 'bios/usb', 'uefi/usb'],
  stockMenus: true,
};

/** GRUB for both BIOS (El Torito grub_eltorito) and UEFI, zstd squashfs: no isolinux anywhere. */
export const BOOKWORM_GRUB_ZSTD: LiveBuildConfig = {
  name: 'bookworm-grub-zstd',
  configArgs: [
    ...commonArgs(),
    '--binary-images',
    'iso-hybrid',
    '--bootloaders',
    'grub-pc grub-efi',
    '--chroot-squashfs-compression-type',
    'zstd',
    ...SERIAL_BOOTAPPEND,
  ],
  files: { ...COMMON_FILES, ...UNATTENDED_MENU_FILES },
  isoName: 'live-image-amd64.hybrid.iso',
  // live-build writes isohybrid MBR boot code only for syslinux: with grub-pc a BIOS cannot boot the USB stick.
  bootModes: ['bios/cdrom', 'uefi/cdrom', 'uefi/usb'],
  stockMenus: false,
};

export const LIVE_BUILD_CONFIGS = [BOOKWORM_HYBRID, BOOKWORM_GRUB_ZSTD] as const;
