#!/bin/sh
# The sample's stand-in for casper's initramfs-tools hook (hooks/casper): what an initrd made in the
# installer layer needs to boot the medium with the sample's checks. Like casper's hook, it writes
# a fresh conf/uuid.conf, and the conf.d file that makes casper the default boot script, only when
# CASPER_GENERATE_UUID is set (the layer's conf.d/casperize.conf sets it, as on Ubuntu).
PREREQ=""
case "$1" in
  prereqs) echo "$PREREQ"; exit 0 ;;
esac
. /usr/share/initramfs-tools/hook-functions

# busybox-static: its shell prefers its own applets, so the checks never meet klibc's mount.
copy_exec /bin/busybox /bin
copy_file script /usr/share/isoforge-sample/init.sh /scripts/isoforge-sample-init.sh
# Loaded by /init before the boot script runs (conf/modules).
for module in $(cat /usr/share/isoforge-sample/modules); do
  force_load "$module"
done

if [ -n "$CASPER_GENERATE_UUID" ]; then
  mkdir -p "$DESTDIR/conf/conf.d"
  if command -v uuidgen >/dev/null; then
    uuidgen -r > "$DESTDIR/conf/uuid.conf"
  else
    cat /proc/sys/kernel/random/uuid > "$DESTDIR/conf/uuid.conf"
  fi
  cat > "$DESTDIR/conf/conf.d/default-boot-to-casper.conf" <<'CONF'
if [ -z "$BOOT" ]; then
  export BOOT=casper
fi
CONF
fi
