import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMenu } from '../../../src/inspect/menus.ts';
import { editIsolinuxMenu, type MenuEdit } from '../../../src/medium/menus/index.ts';
import { isLiveKernel, readMenuFixture } from './menu-support.ts';

const SEED = 'ds=nocloud;s=/cdrom/nocloud/';
const entries = (text: string) => parseMenu('/syslinux.cfg', 'isolinux', text).entries;

describe("editIsolinuxMenu on UNetbootin's syslinux.cfg for Ubuntu (initrd= in append, -- as separator)", async () => {
  const original = await readMenuFixture('unetbootin-ubuntu-syslinux.cfg');

  it('adds live arguments literally (no escaping) before --, keeps initrd= and the kernels it does not boot', () => {
    const edited = editIsolinuxMenu(original, {
      isLiveKernel,
      cmdline: { add: ['autoinstall', SEED], remove: ['quiet'], side: 'live' },
    });
    expect(edited.touched).toEqual([
      'Try Ubuntu without installing',
      'Install Ubuntu',
      'Check disc for defects',
    ]);
    const after = entries(edited.text);
    expect(after[2]).toEqual({
      title: 'Try Ubuntu without installing',
      kernel: '/casper/vmlinuz',
      initrd: '/casper/initrd.lz',
      cmdline:
        'initrd=/casper/initrd.lz file=/cdrom/preseed/ubuntu.seed boot=casper splash autoinstall ds=nocloud;s=/cdrom/nocloud/ --',
    });
    expect(after.slice(0, 2)).toEqual(entries(original).slice(0, 2));
    expect(edited.text.split('\n').length).toBe(original.split('\n').length);
  });

  it('puts installed-side arguments after --, only in the entries the regex names; twice is once', () => {
    const edit: MenuEdit = {
      isLiveKernel,
      cmdline: { add: ['console=ttyS0'], remove: [], side: 'installed', entries: /^Install/ },
    };
    const once = editIsolinuxMenu(original, edit);
    expect(once.found.entries).toEqual(['Install Ubuntu']);
    expect(entries(once.text)[3]?.cmdline).toMatch(/ only-ubiquity quiet splash -- console=ttyS0$/);
    expect(entries(once.text)[2]?.cmdline).toBe(entries(original)[2]?.cmdline);
    expect(editIsolinuxMenu(once.text, edit).text).toBe(once.text);
  });

  it('sets the timeout in tenths and marks the default label; DEFAULT menu.c32 names a module and stays', () => {
    const edited = editIsolinuxMenu(original, {
      isLiveKernel,
      timeoutSeconds: 5,
      defaultTitle: 'Install Ubuntu',
    });
    expect(parseMenu('/syslinux.cfg', 'isolinux', edited.text).timeoutSeconds).toBe(5);
    expect(edited.text).toContain('default menu.c32\nprompt 0\nmenu title UNetbootin\ntimeout 50\n');
    expect(edited.text).toContain(
      'label ubnentry2\nmenu label ^Install Ubuntu\nmenu default\nkernel /casper/vmlinuz\n',
    );
    expect(edited.found.default).toBe(true);
  });

  it('copies a label with a unique name, its own menu label and arguments, right after the original', () => {
    const edited = editIsolinuxMenu(original, {
      isLiveKernel,
      newEntries: [{ title: 'Install Ubuntu', from: 'Try Ubuntu without installing', default: false }],
    });
    // The title exists already: nothing is copied, and the copy source still counts as found.
    expect(edited.added).toEqual([]);
    expect(edited.found.from).toEqual(['Try Ubuntu without installing']);
    const copied = editIsolinuxMenu(original, {
      isLiveKernel,
      newEntries: [
        {
          title: 'Try Ubuntu (serial)',
          from: 'Try Ubuntu without installing',
          default: true,
          cmdline: { add: ['console=ttyS0'], remove: ['splash'], side: 'live' },
        },
      ],
    });
    expect(copied.text).toContain(
      'label ubnentry1\nmenu label ^Try Ubuntu without installing\nkernel /casper/vmlinuz\nappend initrd=/casper/initrd.lz file=/cdrom/preseed/ubuntu.seed boot=casper  quiet splash --\n\n' +
        'label try-ubuntu-serial\nmenu label Try Ubuntu (serial)\nmenu default\nkernel /casper/vmlinuz\nappend initrd=/casper/initrd.lz file=/cdrom/preseed/ubuntu.seed boot=casper  quiet console=ttyS0 --\n\nlabel ubnentry2\n',
    );
  });
});

describe("editIsolinuxMenu on live-build's install menu (nested MENU BEGIN, --- quiet)", async () => {
  // live-build's template as binary_syslinux fills it for an installer: kernel, initrd, no extra arguments.
  const template = await readFile(
    '/usr/share/live/build/bootloaders/syslinux_common/install_text.cfg',
    'utf8',
  );
  const original = template
    .replaceAll('@KERNEL_DI@', '/install/vmlinuz')
    .replaceAll('@INITRD_DI@', '/install/initrd.gz')
    .replaceAll('@APPEND_INSTALL@', '');
  const isInstaller = (path: string) => path === '/install/vmlinuz';

  it('edits the entries inside submenus too, on the side the edit names', () => {
    const edited = editIsolinuxMenu(original, {
      isLiveKernel: isInstaller,
      cmdline: { add: ['priority=critical', 'a;b'], remove: ['quiet'], side: 'installed' },
    });
    expect(edited.touched.length).toBeGreaterThanOrEqual(2);
    const installers = entries(edited.text).filter((entry) => entry.kernel === '/install/vmlinuz');
    expect(installers.length).toBe(edited.touched.length);
    // `--- quiet` lost quiet; expert entries (no ---, e.g. `priority=low vga=788`) got a ` --- ` of their own.
    for (const entry of installers)
      expect(entry.cmdline).toMatch(/^[^-;]*vga=788( theme=dark)? --- priority=critical a;b$/);
    expect(installers.map((entry) => entry.cmdline?.startsWith('priority=low'))).toContain(true);
  });
});

describe('editIsolinuxMenu on a label without APPEND', () => {
  it('adds an APPEND line under the kernel line, with ` --- ` for the installed side', () => {
    const original = 'label live\n\tmenu label Live\n\tlinux /live/vmlinuz\n\tinitrd /live/initrd.img\n';
    const live = editIsolinuxMenu(original, {
      isLiveKernel,
      cmdline: { add: ['boot=live'], remove: [], side: 'live' },
    });
    expect(live.text).toBe(
      'label live\n\tmenu label Live\n\tlinux /live/vmlinuz\n\tappend boot=live\n\tinitrd /live/initrd.img\n',
    );
    const installed = editIsolinuxMenu(original, {
      isLiveKernel,
      cmdline: { add: ['quiet'], remove: [], side: 'installed' },
    });
    expect(installed.text).toContain('\tlinux /live/vmlinuz\n\tappend --- quiet\n');
    const nothing = editIsolinuxMenu(original, {
      isLiveKernel,
      cmdline: { add: [], remove: ['quiet'], side: 'live' },
    });
    expect(nothing.text).toBe(original);
  });
});

describe('editIsolinuxMenu timeouts at the edges of syslinux.doc ("timeout": tenths, 0 = none, at most 35996)', () => {
  it('writes 0 s as one tenth and an hour as 35996', () => {
    const original = 'include menu.cfg\ndefault vesamenu.c32\nprompt 0\ntimeout 0\n';
    expect(editIsolinuxMenu(original, { isLiveKernel, timeoutSeconds: 0 }).text).toBe(
      original.replace('timeout 0', 'timeout 1'),
    );
    expect(editIsolinuxMenu(original, { isLiveKernel, timeoutSeconds: 3600 }).text).toBe(
      original.replace('timeout 0', 'timeout 35996'),
    );
  });
});

describe('editIsolinuxMenu label names of copies', () => {
  it("avoids the label names of the menu's other files (they share one namespace)", async () => {
    const original = await readMenuFixture('unetbootin-ubuntu-syslinux.cfg');
    const edit: MenuEdit = {
      isLiveKernel,
      newEntries: [{ title: 'HDT', from: 'Install Ubuntu', default: false }],
    };
    expect(editIsolinuxMenu(original, edit).text).toContain('\nlabel hdt\n');
    expect(editIsolinuxMenu(original, edit, ['hdt', 'HDT-2']).text).toContain('\nlabel hdt-3\n');
  });
});
