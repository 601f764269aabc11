import { describe, expect, it } from 'vitest';
import { parseMenu } from '../../../src/inspect/menus.ts';
import {
  chooseSettingFiles,
  editGrubMenu,
  editMenuFiles,
  type MenuEdit,
  type MenuFileText,
} from '../../../src/medium/menus/index.ts';
import { makeGrubConfig, makeLoopbackConfig } from '../../../src/sample/tree.ts';
import { SAMPLE_FLAVOURS } from '../../../src/sample/kernels.ts';
import { checkGrubText, isLiveKernel, readMenuFixture } from './menu-support.ts';

const SEED = 'ds=nocloud;s=/cdrom/nocloud/';
const AUTOINSTALL: MenuEdit = {
  isLiveKernel,
  cmdline: { add: ['autoinstall', SEED], remove: [], side: 'live' },
};

const MENUS = {
  'sample grub.cfg': makeGrubConfig(SAMPLE_FLAVOURS),
  'sample loopback.cfg': makeLoopbackConfig(SAMPLE_FLAVOURS),
  'Ubuntu 22.04 grub.cfg': await readMenuFixture('ubuntu-22.04-grub.cfg'),
  'Ubuntu 22.04 loopback.cfg': await readMenuFixture('ubuntu-22.04-loopback.cfg'),
  'Ubuntu 24.04 grub.cfg': await readMenuFixture('ubuntu-24.04-grub.cfg'),
};

function cmdlines(text: string): (string | null)[] {
  return parseMenu('/boot/grub/grub.cfg', 'grub', text).entries.map((entry) => entry.cmdline);
}

describe.each(Object.entries(MENUS))('editGrubMenu on the %s', (_name, original) => {
  it('adds the arguments before --- with ; escaped, and GRUB parses the result', async () => {
    expect(await checkGrubText(original)).toEqual({ ok: true });
    const edited = editGrubMenu(original, AUTOINSTALL);
    const live = parseMenu('/boot/grub/grub.cfg', 'grub', edited.text).entries.filter((e) =>
      e.kernel?.includes('vmlinuz'),
    );
    expect(live.length).toBeGreaterThan(0);
    for (const entry of live) {
      expect(entry.cmdline).toMatch(/(^| )autoinstall ds=nocloud\\;s=\/cdrom\/nocloud\/ ---/);
    }
    expect(edited.touched).toEqual(live.map((entry) => entry.title));
    expect(await checkGrubText(edited.text)).toEqual({ ok: true });
  });

  it('changes nothing else: other lines, ${iso_path}, entries that boot no live kernel', () => {
    const edited = editGrubMenu(original, AUTOINSTALL);
    const before = original.split('\n');
    const after = edited.text.split('\n');
    expect(after).toHaveLength(before.length);
    after.forEach((line, i) => {
      const old = before[i] ?? '';
      if (/^\s*linux\s+\/casper\/(hwe-)?vmlinuz/.test(old)) {
        expect(line).toBe(old.replace(' ---', ` autoinstall ds=nocloud\\;s=/cdrom/nocloud/ ---`));
      } else {
        expect(line).toBe(old);
      }
    });
  });

  it('edits once: a second run of the same edit changes nothing', () => {
    const edit: MenuEdit = {
      ...AUTOINSTALL,
      cmdline: { add: ['autoinstall', SEED, 'quiet'], remove: ['console=', 'quiet'], side: 'live' },
      timeoutSeconds: 5,
      addTimeout: true,
      newEntries: [
        {
          title: 'Install automatically',
          from: 'Try or Install Ubuntu Server',
          default: true,
          cmdline: { add: ['nosplash'], remove: [], side: 'installed' },
        },
      ],
    };
    const once = editGrubMenu(original, edit);
    const twice = editGrubMenu(once.text, edit);
    expect(twice.text).toBe(once.text);
    expect(twice.added).toEqual([]);
  });
});

describe('editGrubMenu on the sample (serial console arguments)', () => {
  const original = makeGrubConfig(SAMPLE_FLAVOURS);

  it('removes NAME= (every NAME=VALUE) and an exact argument', async () => {
    expect(cmdlines(original)[0]).toMatch(/console=ttyS0/);
    const edited = editGrubMenu(original, {
      isLiveKernel,
      cmdline: { add: [], remove: ['console=', 'nosuch'], side: 'live' },
    });
    expect(cmdlines(edited.text)[0]).not.toMatch(/console=/);
    expect(cmdlines(edited.text)[0]).toMatch(/---$/);
    expect(await checkGrubText(edited.text)).toEqual({ ok: true });
  });

  it('puts installed-side arguments after --- and removes only there', () => {
    const once = editGrubMenu(original, {
      isLiveKernel,
      cmdline: { add: ['console=ttyS0,115200', 'quiet'], remove: [], side: 'installed' },
    });
    expect(cmdlines(once.text)[0]).toMatch(/console=ttyS0,115200 .*--- console=ttyS0,115200 quiet$/);
    const removed = editGrubMenu(once.text, {
      isLiveKernel,
      cmdline: { add: [], remove: ['console=', 'quiet'], side: 'installed' },
    });
    expect(cmdlines(removed.text)[0]).toBe(cmdlines(original)[0]);
  });

  it('replaces the timeout and sets the default to a title, which GRUB accepts', async () => {
    const edited = editGrubMenu(original, {
      isLiveKernel,
      timeoutSeconds: 7,
      defaultTitle: 'UEFI Firmware Settings',
      addDefault: true,
    });
    expect(parseMenu('/boot/grub/grub.cfg', 'grub', edited.text).timeoutSeconds).toBe(7);
    expect(edited.text).toMatch(/^set default="UEFI Firmware Settings"\n/);
    expect(edited.text.match(/set timeout=/g)).toHaveLength(1);
    expect(edited.found.default).toBe(true);
    expect(await checkGrubText(edited.text)).toEqual({ ok: true });
  });
});

describe('editGrubMenu: new entries and unmatched names', () => {
  it('copies an entry right after it, with the new title, its own arguments, as the default', async () => {
    const original = await readMenuFixture('ubuntu-24.04-grub.cfg');
    const edited = editGrubMenu(original, {
      isLiveKernel,
      newEntries: [
        {
          title: 'Install "automatically" for $USER',
          from: 'Try or Install Ubuntu Server',
          default: true,
          cmdline: { add: ['autoinstall', SEED], remove: [], side: 'live' },
        },
      ],
      addDefault: true,
    });
    expect(edited.added).toEqual(['Install "automatically" for $USER']);
    const menu = parseMenu('/boot/grub/grub.cfg', 'grub', edited.text);
    expect(menu.entries.map((e) => e.title).slice(0, 3)).toEqual([
      'Try or Install Ubuntu Server',
      'Install "automatically" for $USER',
      'Ubuntu Server with the HWE kernel',
    ]);
    expect(menu.entries[0]?.cmdline).toBe('---');
    expect(menu.entries[1]).toMatchObject({
      kernel: '/casper/vmlinuz',
      initrd: '/casper/initrd',
      cmdline: 'autoinstall ds=nocloud\\;s=/cdrom/nocloud/ ---',
    });
    expect(edited.text).toContain('set default="Install \\"automatically\\" for \\$USER"\n');
    expect(await checkGrubText(edited.text)).toEqual({ ok: true });
  });

  it("reports what an entries regex, a copy's source and a default title matched", () => {
    const original = makeGrubConfig(SAMPLE_FLAVOURS);
    const edited = editGrubMenu(original, {
      isLiveKernel,
      cmdline: { add: ['x'], remove: [], side: 'live', entries: /Rescue/ },
      defaultTitle: 'Nope',
      newEntries: [{ title: 'Copy', from: 'Missing', default: false }],
    });
    expect(edited.found).toEqual({ entries: [], from: [], default: false });
    expect(edited.touched).toEqual([]);
    expect(edited.text).toBe(original);
  });

  it('drops --id and --hotkey from a copy: they must stay unique', () => {
    const original =
      'menuentry "Live system (amd64)" --hotkey=l --id live {\n\tlinux\t/live/vmlinuz boot=live\n}\n';
    const edited = editGrubMenu(original, {
      isLiveKernel,
      newEntries: [{ title: 'Other', from: 'Live system (amd64)', default: false }],
    });
    expect(edited.text.split('\n')[3]).toBe('menuentry "Other" {');
  });
});

describe('chooseSettingFiles and editMenuFiles on an Ubuntu medium (grub.cfg, loopback.cfg)', () => {
  const files: MenuFileText[] = [
    { path: '/boot/grub/grub.cfg', loader: 'grub', text: MENUS['Ubuntu 22.04 grub.cfg'] },
    { path: '/boot/grub/loopback.cfg', loader: 'grub', text: MENUS['Ubuntu 22.04 loopback.cfg'] },
  ];

  it("replaces grub.cfg's timeout and gives loopback.cfg (sourced alone by multiboot sticks) its own", async () => {
    expect(chooseSettingFiles(files, 'timeout')).toEqual(['/boot/grub/loopback.cfg']);
    expect(chooseSettingFiles(files, 'default')).toEqual(['/boot/grub/grub.cfg', '/boot/grub/loopback.cfg']);
    const { files: edited, problems } = editMenuFiles(files, {
      isLiveKernel,
      cmdline: { add: [SEED], remove: [], side: 'live', entries: /HWE/ },
      timeoutSeconds: 3,
      defaultTitle: 'Ubuntu Server with the HWE kernel',
    });
    expect(problems).toEqual([]);
    for (const file of edited) {
      const menu = parseMenu(file.path, 'grub', file.text);
      expect(menu.timeoutSeconds, file.path).toBe(3);
      expect(file.text.match(/set timeout=/g), file.path).toHaveLength(1);
      expect(file.text, file.path).toContain('set default="Ubuntu Server with the HWE kernel"\n');
      expect(menu.entries.map((entry) => entry.cmdline?.includes('nocloud') ?? false).slice(0, 2)).toEqual([
        false,
        true,
      ]);
      expect(file.touched).toEqual(['Ubuntu Server with the HWE kernel']);
      expect(await checkGrubText(file.text), file.path).toEqual({ ok: true });
    }
  });
});
