#!/bin/busybox sh
# isoforge sample initrd: find the medium (or the ISO file iso-scan/filename= names), check it as
# casper and subiquity would, stack the casper layer chain, report, power off.
# POSIX busybox sh only: a Debian initramfs also runs this file as its casper boot script, with
# /proc, /sys and /dev already mounted and no /etc/modules-order.
# ISOFORGE_INIT_FUNCTIONS_ONLY=1 . init.sh defines the checks below and returns (the unit tests).

# The medium's mount point, and the place the disk holding an ISO file (iso-scan) is mounted.
medium=/cdrom
isodevice=/isodevice

# ok: some .disk/casper-uuid* of the medium holds the initrd's UUID (casper's matches_uuid, which
# compares /conf/uuid.conf, or uuid=, with each file's content); none: the initrd expects none.
check_uuid() {
  [ -n "$expected_uuid" ] || { echo none; return; }
  for file in "$medium"/.disk/casper-uuid*; do
    [ -f "$file" ] && [ "$(cat "$file")" = "$expected_uuid" ] && { echo ok; return; }
  done
  echo mismatch
}

# The NoCloud seed subiquity's cloud-init reads: ds=nocloud;s=/cdrom/PATH/ (also nocloud-net,
# seedfrom=, file:///cdrom/...). ok: user-data and meta-data there, with the md5 md5sum.txt lists,
# and user-data has an autoinstall: key; missing: a file is absent; bad: anything else; none: no ds=.
check_seed() {
  ds=
  for arg in $cmdline; do
    case "$arg" in ds=*) ds=${arg#ds=} ;; esac
  done
  [ -n "$ds" ] || { echo none; return; }
  case "$ds" in nocloud\;* | nocloud-net\;*) ;; *) echo bad; return ;; esac
  seed=
  old_ifs=$IFS
  IFS=';'
  for part in $ds; do
    case "$part" in s=* | seedfrom=*) seed=${part#*=} ;; esac
  done
  IFS=$old_ifs
  seed=${seed#file://}
  case "$seed" in /cdrom/*) ;; *) echo bad; return ;; esac
  relative=${seed#/cdrom/}
  relative=${relative%/}
  for name in user-data meta-data; do
    file="$medium/$relative/$name"
    [ -f "$file" ] || { echo missing; return; }
    listed=$(awk -v path="./$relative/$name" '$2 == path { print $1 }' "$medium/md5sum.txt" 2>/dev/null)
    actual=$(md5sum "$file" | cut -d ' ' -f 1)
    [ -n "$listed" ] && [ "$listed" = "$actual" ] || { echo bad; return; }
  done
  grep -q '^autoinstall:' "$medium/$relative/user-data" || { echo bad; return; }
  echo ok
}

[ "${ISOFORGE_INIT_FUNCTIONS_ONLY:-}" = 1 ] && return 0

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox --install -s /bin 2>/dev/null
mounted() { grep -q "^[^ ]* $1 " /proc/mounts 2>/dev/null; }
mounted /proc || mount -t proc proc /proc
mounted /sys || mount -t sysfs sysfs /sys
mounted /dev || mount -t devtmpfs devtmpfs /dev
report() {
  for out in /dev/ttyS0 /dev/console; do echo "ISOFORGE-SAMPLE-BOOT $*" > "$out" 2>/dev/null; done
  sync
  # A moment for the boot test to take its picture of the screen (it pauses the VM on the marker).
  sleep 1
  poweroff -f
  sleep 60
}
if [ -f /etc/modules-order ]; then
  for module in $(cat /etc/modules-order); do insmod "$module" 2>/dev/null; done
fi
cmdline=$(cat /proc/cmdline)
LAYERFS_PATH=
[ -f /conf/conf.d/default-layer.conf ] && . /conf/conf.d/default-layer.conf
layerfs_path=$LAYERFS_PATH
expected_uuid=$(cat /conf/uuid.conf 2>/dev/null)
iso_path=
for arg in $cmdline; do
  case "$arg" in
    layerfs-path=*) layerfs_path=${arg#layerfs-path=} ;;
    iso-scan/filename=*) iso_path=${arg#iso-scan/filename=} ;;
    uuid=*) expected_uuid=${arg#uuid=} ;;
    ignore_uuid) expected_uuid= ;;
  esac
done
mkdir -p "$medium" "$isodevice" /layers /root

# casper's iso-scan: the partition (FAT or ext4) holding ISO_PATH, the file loop-mounted as the medium.
mount_iso_file() {
  for dev in /dev/sd* /dev/vd* /dev/nvme*; do
    [ -b "$dev" ] || continue
    for fstype in vfat ext4; do
      mount -t "$fstype" -o ro "$dev" "$isodevice" 2>/dev/null || continue
      if [ -f "$isodevice$iso_path" ] && mount -t iso9660 -o ro,loop "$isodevice$iso_path" "$medium" 2>/dev/null; then
        echo "$dev"
        return 0
      fi
      umount "$isodevice"
    done
  done
  return 1
}

found=
refused=
for attempt in $(seq 1 40); do
  if [ -n "$iso_path" ]; then
    found=$(mount_iso_file) && break
    sleep 0.5
    continue
  fi
  for dev in /dev/sr* /dev/sd* /dev/vd*; do
    [ -b "$dev" ] || continue
    if mount -t iso9660 -o ro "$dev" "$medium" 2>/dev/null; then
      if [ -f "$medium/.disk/info" ] && [ -d "$medium/casper" ]; then
        [ "$(check_uuid)" != mismatch ] && { found=$dev; break 2; }
        refused=$dev
      fi
      umount "$medium"
    fi
  done
  # casper skips a medium whose UUID differs and keeps looking; the devices present were all tried.
  [ -n "$refused" ] && break
  sleep 0.5
done
[ -n "$iso_path" ] && [ -z "$found" ] && report "fail reason=iso-not-found:$iso_path cmdline=$cmdline"
[ -n "$refused" ] && [ -z "$found" ] && report "fail reason=uuid-mismatch cmdline=$cmdline"
[ -n "$found" ] || report "fail reason=no-medium-with-.disk/info cmdline=$cmdline"
[ -f "$medium/.disk/info" ] && [ -d "$medium/casper" ] || report "fail reason=not-a-casper-medium cmdline=$cmdline"
# With iso-scan casper names the loop device as LIVEMEDIA and skips the UUID check: uuid= still tells.
uuid_state=$(check_uuid)
seed_state=$(check_seed)
# A.B.C.squashfs stacks on A.B.squashfs and A.squashfs (casper's layerfs-path semantics).
name=${layerfs_path%.squashfs}
chain=
while :; do
  chain="$name $chain"
  case "$name" in *.*) name=${name%.*} ;; *) break ;; esac
done
lower=
for layer in $chain; do
  file=$medium/casper/$layer.squashfs
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
# The modules the stacked system asks for at boot (modules-load.d), loaded by its own modprobe
# from its /lib/modules/$(uname -r), as systemd-modules-load would: "NAME:ok" or "NAME:fail".
modprobe_state=
for conf in /root/etc/modules-load.d/*.conf; do
  [ -f "$conf" ] || continue
  for module in $(sed -e 's/#.*//' "$conf"); do
    state=fail
    # Inside the chain: its modprobe is a symlink to an absolute /bin/kmod.
    mounted /root/proc || mount --bind /proc /root/proc 2>/dev/null
    mounted /root/sys || mount --bind /sys /root/sys 2>/dev/null
    chroot /root modprobe "$module" 2>/dev/null && state=ok
    modprobe_state="${modprobe_state:+$modprobe_state,}$module:$state"
  done
done
chain_list=$(echo $chain | tr ' ' ',')
loaded=$(cut -d ' ' -f 1 /proc/modules | sort | tr '\n' ',' | sed -e 's/,$//')
report "ok release=$(cat /root/etc/isoforge-release) cmdline=$cmdline kernels=${kernels:-none} seed=$seed_state uuid=$uuid_state uname=$(uname -r) chain=$chain_list modprobe=${modprobe_state:-none} modules=${loaded:-none}"
