/**
 * Whether this process is the rootless half of a build: isoforge run again by an ordinary user
 * inside a user namespace of its own, where it is root over the user's subordinate ids
 * (namespace.ts). There, layers are read through squashfuse and overlays keep their marks in
 * user.overlay.* xattrs, since the kernel keeps squashfs mounts and trusted.* xattrs from it.
 */
export const ROOTLESS_ENV = 'ISOFORGE_ROOTLESS';

export function isRootless(): boolean {
  return process.env[ROOTLESS_ENV] === '1' && process.getuid?.() === 0;
}

/** The xattr namespace overlayfs keeps its marks (opaque, origin...) in, for this process's mounts. */
export function overlayXattrPrefix(): string {
  return isRootless() ? 'user.overlay.' : 'trusted.overlay.';
}
