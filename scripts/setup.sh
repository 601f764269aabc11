#!/usr/bin/env bash
# Installs everything isoforge and its tests need on Debian 12: apt packages, then npm packages.
# Idempotent: a second run checks and installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  xorriso squashfs-tools gnupg mtools dosfstools fdisk debootstrap bubblewrap
  xfsprogs # xfs_io copy_range: block reuse copies a layer's unchanged data in the kernel (any file system)
  squashfuse fuse3 uidmap # rootless mode: layers read without a loop device, the subordinate id mappings
  qemu-system-x86 qemu-utils ovmf seabios
  grub-pc-bin grub-efi-amd64-bin grub-common
  cpio zstd xz-utils busybox-static rsync kmod dpkg-dev
  apt-utils # apt-ftparchive: the Packages and Release files of an offline pool (iso.pool)
  ipxe grub-rescue-pc memtest86+
  live-build # the Debian live fixtures of test/e2e/debian-live.test.ts
  chromium # test/e2e/report-browser.test.ts loads the build report in it (playwright-core, no browser download)
  attr libcap2-bin # setfattr/getfattr, setcap: the xattrs of the squashfs reader tests (test/support/squashfs-trees.ts)
  podman mmdebstrap runc iptables # npm run image and test/integration/container.test.ts (iptables: podman's bridge network)
  catatonit # podman kube play's pod needs a pause image, which podman builds around catatonit (only recommended, so not pulled in)
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Podman on this host: crun refuses a hybrid cgroup hierarchy (v1 controllers beside a cgroup2
# mount), and podman asks for open-file and process limits above a sandbox's hard ones. Where either
# holds, a drop-in makes podman use runc and limits the host allows; elsewhere podman keeps its own.
configure_podman() {
  local conf=/etc/containers/containers.conf.d/50-isoforge-host.conf lines=()
  [ "$(id -u)" -eq 0 ] || return 0
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] && [ -d /sys/fs/cgroup/unified ]; then
    lines+=('[engine]' 'runtime = "runc"')
  fi
  if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 1048576 ]; then
    lines+=('[containers]' "default_ulimits = [\"nofile=$(ulimit -Hn):$(ulimit -Hn)\", \"nproc=4096:4096\"]")
  fi
  if ((${#lines[@]})); then
    mkdir -p "$(dirname "$conf")"
    printf '%s\n' "${lines[@]}" >"$conf"
  fi
}
configure_podman

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
# bin/isoforge runs the compiled code: compile it now (about ten seconds).
bash scripts/build.sh
