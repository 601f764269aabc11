import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMenuFiles, isMenuEntryPoint } from '../../../src/inspect/menu-files.ts';
import { inspectIso } from '../../../src/inspect/inspect.ts';
import { cacheDir, exists } from '../../../src/sample/cache.ts';

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

const LIVE_BUILD_CACHE = join(cacheDir(), 'live-build');
const HYBRID = (await exists(LIVE_BUILD_CACHE))
  ? (await readdir(LIVE_BUILD_CACHE))
      .filter((f) => f.startsWith('bookworm-hybrid-'))
      .map((f) => join(LIVE_BUILD_CACHE, f, 'live.iso'))
  : [];
const CACHED = (await Promise.all(HYBRID.map(async (iso) => ((await exists(iso)) ? iso : null)))).filter(
  (iso) => iso !== null,
);

describe('inspect on a cached live-build ISO (hybrid: isolinux and GRUB)', () => {
  it.skipIf(!CACHED.length)(
    `reports the isolinux entries of live.cfg and the timeouts of isolinux.cfg and config.cfg${CACHED.length ? '' : ` (skipped: no bookworm-hybrid ISO cached in ${LIVE_BUILD_CACHE})`}`,
    async () => {
      const report = await inspectIso(CACHED[0] ?? '');
      const menus = Object.fromEntries(report.bootMenus.map((menu) => [menu.file, menu]));
      expect(Object.keys(menus)).toEqual([
        '/boot/grub/grub.cfg',
        '/boot/grub/loopback.cfg',
        '/isolinux/isolinux.cfg',
        '/boot/grub/config.cfg',
        '/isolinux/live.cfg',
        '/isolinux/menu.cfg',
        '/isolinux/utilities.cfg',
      ]);
      expect(menus['/isolinux/live.cfg']?.entries[0]).toEqual({
        title: '^Live system (amd64)',
        kernel: '/live/vmlinuz',
        initrd: '/live/initrd.img',
        cmdline: 'boot=live components console=tty0 console=ttyS0,115200',
      });
      expect(menus['/isolinux/isolinux.cfg']?.timeoutSeconds).toBe(1);
      expect(menus['/boot/grub/config.cfg']?.timeoutSeconds).toBe(1);
    },
  );
});
