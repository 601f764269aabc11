import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseIsolinuxMenu } from '../../../src/inspect/menus.ts';

describe('parseIsolinuxMenu on live-build install menus (MENU BEGIN submenus, ^ hotkeys)', () => {
  it("names each label by its own MENU LABEL, not a submenu's, without the hotkey marker", async () => {
    const text = await readFile('/usr/share/live/build/bootloaders/syslinux_common/install_text.cfg', 'utf8');
    const entries = parseIsolinuxMenu(text);
    expect(entries[0]).toEqual({
      title: 'Start installer',
      kernel: '@KERNEL_DI@',
      initrd: '@INITRD_DI@',
      cmdline: 'vga=788 @APPEND_INSTALL@ --- quiet',
    });
    const titles = entries.map((entry) => entry.title);
    expect(titles).not.toContain('Advanced install options');
    expect(titles.filter((title) => title.includes('^'))).toEqual([]);
  });
});
