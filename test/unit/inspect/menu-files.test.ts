import { describe, expect, it } from 'vitest';
import { findMenuFiles, isMenuEntryPoint } from '../../../src/inspect/menu-files.ts';

describe('findMenuFiles', () => {
  it('finds Ubuntu Server 22.04 menus: grub.cfg, loopback.cfg, not fonts or modules', () => {
    const paths = [
      '/boot/grub/font.pf2',
      '/boot/grub/loopback.cfg',
      '/boot/grub/i386-pc/eltorito.img',
      '/boot/grub/grub.cfg',
      '/casper/vmlinuz',
    ];
    expect(findMenuFiles(paths)).toEqual([
      { path: '/boot/grub/grub.cfg', loader: 'grub' },
      { path: '/boot/grub/loopback.cfg', loader: 'grub' },
    ]);
  });

  it("finds live-build's menus: entry points first, then the included files, sorted; any case", () => {
    const paths = [
      '/isolinux/vesamenu.c32',
      '/isolinux/stdmenu.cfg',
      '/isolinux/live.cfg',
      '/isolinux/isolinux.cfg',
      '/boot/grub/theme.cfg',
      '/boot/grub/x86_64-efi/grub.cfg',
      '/boot/grub/config.cfg',
      '/boot/grub/grub.cfg',
      '/boot/grub/live-theme/theme.txt',
      '/EFI/BOOT/GRUB.CFG',
      '/EFI/BOOT/BOOTX64.EFI',
    ];
    expect(findMenuFiles(paths).map((file) => `${file.loader} ${file.path}`)).toEqual([
      'grub /boot/grub/grub.cfg',
      'grub /EFI/BOOT/GRUB.CFG',
      'isolinux /isolinux/isolinux.cfg',
      'grub /boot/grub/config.cfg',
      'grub /boot/grub/theme.cfg',
      'grub /boot/grub/x86_64-efi/grub.cfg',
      'isolinux /isolinux/live.cfg',
      'isolinux /isolinux/stdmenu.cfg',
    ]);
    expect(isMenuEntryPoint('/EFI/BOOT/GRUB.CFG')).toBe(true);
    expect(isMenuEntryPoint('/isolinux/live.cfg')).toBe(false);
  });
});
