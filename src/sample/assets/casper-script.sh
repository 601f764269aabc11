# The sample's stand-in for casper's initramfs-tools boot script (scripts/casper), sourced by the
# initramfs /init when BOOT=casper: mountroot runs the sample's checks (the same init.sh as the
# sample's own initrd), which report on the serial console and power off.
mountroot() {
  mkdir -p /etc
  # LAYERFS_PATH: conf.d/default-layer.conf, as Ubuntu's installer layer sets it.
  if [ -n "$LAYERFS_PATH" ]; then
    echo "$LAYERFS_PATH" > /etc/layerfs-path
  fi
  exec /bin/busybox sh /scripts/isoforge-sample-init.sh
}
