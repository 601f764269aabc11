import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMenuFiles, isMenuEntryPoint } from '../../../src/inspect/menu-files.ts';
import { inspectIso } from '../../../src/inspect/inspect.ts';
import { exists } from '../../../src/sample/cache.ts';
import { BOOKWORM_HYBRID, liveBuildCacheDir } from '../../support/live-build.ts';

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

// The current configuration's ISO only: an older cached build of another configuration may differ.
const HYBRID_ISO = join(await liveBuildCacheDir(BOOKWORM_HYBRID), 'live.iso');
const CACHED = (await exists(HYBRID_ISO)) ? [HYBRID_ISO] : [];

describe('inspect on the cached live-build ISO (hybrid: isolinux and GRUB, stock menus)', () => {
  it.skipIf(!CACHED.length)(
    `reports the isolinux entries of live.cfg and no timeout (live-build's stock menus wait)${CACHED.length ? '' : ` (skipped: ${HYBRID_ISO} is not built)`}`,
    async () => {
      const report = await inspectIso(CACHED[0] ?? '');
      const menus = Object.fromEntries(report.bootMenus.map((menu) => [menu.file, menu]));
      expect(Object.keys(menus)).toEqual(
        expect.arrayContaining([
          '/boot/grub/grub.cfg',
          '/boot/grub/loopback.cfg',
          '/isolinux/isolinux.cfg',
          '/isolinux/live.cfg',
          '/isolinux/menu.cfg',
        ]),
      );
      expect(menus['/isolinux/live.cfg']?.entries[0]).toEqual({
        title: '^Live system (amd64)',
        kernel: '/live/vmlinuz',
        initrd: '/live/initrd.img',
        cmdline: 'boot=live components quiet splash',
      });
      expect(report.bootMenus.map((menu) => menu.timeoutSeconds).filter((t) => t !== null)).toEqual([]);
    },
  );
});
