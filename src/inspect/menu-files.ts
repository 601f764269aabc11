import type { BootMenu } from './menus.ts';

export interface MenuFile {
  path: string;
  loader: BootMenu['loader'];
}

/**
 * The configs boot loaders read first, in the order their settings are placed (lower case): GRUB's
 * prefix config and loopback.cfg (sourced by multiboot sticks), then isolinux/syslinux.
 */
export const MENU_ENTRY_POINTS: readonly MenuFile[] = [
  { path: '/boot/grub/grub.cfg', loader: 'grub' },
  { path: '/efi/boot/grub.cfg', loader: 'grub' },
  { path: '/boot/grub/loopback.cfg', loader: 'grub' },
  { path: '/isolinux/isolinux.cfg', loader: 'isolinux' },
  { path: '/boot/isolinux/isolinux.cfg', loader: 'isolinux' },
  { path: '/syslinux/syslinux.cfg', loader: 'isolinux' },
  { path: '/boot/syslinux/syslinux.cfg', loader: 'isolinux' },
  { path: '/isolinux.cfg', loader: 'isolinux' },
  { path: '/syslinux.cfg', loader: 'isolinux' },
];

/** Folders whose *.cfg files are menus or scripts they include (GRUB's also in platform subfolders). */
const MENU_FOLDERS: readonly { pattern: RegExp; loader: BootMenu['loader'] }[] = [
  { pattern: /^\/boot\/grub\/(?:[^/]+\/)?[^/]+\.cfg$/, loader: 'grub' },
  { pattern: /^\/efi\/boot\/[^/]+\.cfg$/, loader: 'grub' },
  { pattern: /^\/(?:boot\/)?(?:isolinux|syslinux)\/[^/]+\.cfg$/, loader: 'isolinux' },
  { pattern: /^\/(?:isolinux|syslinux)\.cfg$/, loader: 'isolinux' },
];

/**
 * The boot menu files of a medium, given all its file paths (as the ISO spells them): entry points
 * first, then the files they may include (live-build's menu.cfg, live.cfg, config.cfg...), sorted.
 */
export function findMenuFiles(paths: readonly string[]): MenuFile[] {
  const found: MenuFile[] = [];
  for (const path of paths) {
    const lower = path.toLowerCase();
    const folder = MENU_FOLDERS.find((f) => f.pattern.test(lower));
    if (folder) found.push({ path, loader: folder.loader });
  }
  const rank = (file: MenuFile) => {
    const index = MENU_ENTRY_POINTS.findIndex((entry) => entry.path === file.path.toLowerCase());
    return index < 0 ? MENU_ENTRY_POINTS.length : index;
  };
  return found.sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether PATH is a config a boot loader reads first (not only through another file's include). */
export function isMenuEntryPoint(path: string): boolean {
  return MENU_ENTRY_POINTS.some((entry) => entry.path === path.toLowerCase());
}
