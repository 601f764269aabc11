import { describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { BOOKWORM_HYBRID, waitForLiveBuildIso } from '../support/live-build.ts';

// The first live-build fixture, which the global set-up always builds: its stock menus wait for a key.
const HYBRID_ISO = await waitForLiveBuildIso(BOOKWORM_HYBRID);

describe('inspect on the live-build fixture (hybrid: isolinux and GRUB, stock menus)', () => {
  it("reports the isolinux entries of live.cfg and no timeout (live-build's stock menus wait)", async () => {
    const report = await inspectIso(HYBRID_ISO);
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
      title: 'Live system (amd64)',
      kernel: '/live/vmlinuz',
      initrd: '/live/initrd.img',
      cmdline: 'boot=live components quiet splash',
    });
    expect(report.bootMenus.map((menu) => menu.timeoutSeconds).filter((t) => t !== null)).toEqual([]);
  });
});
