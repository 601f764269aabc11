# The sample's stand-in for casper's initramfs-tools boot script (scripts/casper), sourced by the
# initramfs /init when BOOT=casper: mountroot runs the sample's checks (the same init.sh as the
# sample's own initrd), which report on the serial console and power off.
# The init reads LAYERFS_PATH from /conf/conf.d/default-layer.conf, where initramfs-tools copies
# Ubuntu's conf.d file.
mountroot() {
  exec /bin/busybox sh /scripts/isoforge-sample-init.sh
}
