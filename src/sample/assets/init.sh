#!/bin/busybox sh
# isoforge sample initrd: find the medium, stack the casper layer chain, report, power off.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
report() {
  for out in /dev/ttyS0 /dev/console; do echo "ISOFORGE-SAMPLE-BOOT $*" > "$out" 2>/dev/null; done
  sync
  poweroff -f
  sleep 60
}
for module in $(cat /etc/modules-order); do insmod "$module" 2>/dev/null; done
cmdline=$(cat /proc/cmdline)
layerfs_path=$(cat /etc/layerfs-path)
for arg in $cmdline; do
  case "$arg" in layerfs-path=*) layerfs_path=${arg#layerfs-path=} ;; esac
done
mkdir -p /cdrom /layers /root
found=
for attempt in $(seq 1 40); do
  for dev in /dev/sr* /dev/sd* /dev/vd*; do
    [ -b "$dev" ] || continue
    if mount -t iso9660 -o ro "$dev" /cdrom 2>/dev/null; then
      if [ -f /cdrom/.disk/info ] && [ -d /cdrom/casper ]; then found=$dev; break 2; fi
      umount /cdrom
    fi
  done
  sleep 0.5
done
[ -n "$found" ] || report "fail reason=no-medium-with-.disk/info cmdline=$cmdline"
# A.B.C.squashfs stacks on A.B.squashfs and A.squashfs (casper's layerfs-path semantics).
name=${layerfs_path%.squashfs}
chain=
while :; do
  chain="$name $chain"
  case "$name" in *.*) name=${name%.*} ;; *) break ;; esac
done
lower=
for layer in $chain; do
  file=/cdrom/casper/$layer.squashfs
  [ -f "$file" ] || report "fail reason=missing-layer:$layer.squashfs cmdline=$cmdline"
  mkdir -p "/layers/$layer"
  mount -t squashfs -o ro,loop "$file" "/layers/$layer" || report "fail reason=cannot-mount:$layer.squashfs cmdline=$cmdline"
  lower="/layers/$layer${lower:+:$lower}"
done
mount -t overlay overlay -o "lowerdir=$lower" /root || report "fail reason=overlay-failed cmdline=$cmdline"
[ -f /root/etc/isoforge-release ] || report "fail reason=no-/etc/isoforge-release cmdline=$cmdline"
# The kernel packages dpkg knows as installed (held or not) in the stacked chain, after the
# cmdline so the marker's beginning stays as it was: "kernels=linux-image-A,linux-image-B" or none.
kernels=$(awk '/^Package: /{p=$2} /^Status: / && $(NF-1)=="ok" && $NF=="installed" && p ~ /^linux-image-/ {printf "%s%s", s, p; s=","}' /root/var/lib/dpkg/status 2>/dev/null)
report "ok release=$(cat /root/etc/isoforge-release) cmdline=$cmdline kernels=${kernels:-none}"
