import { describe, expect, it } from 'vitest';
import { parseMenu } from '../../../src/inspect/menus.ts';
import { editMenuFiles, listMenuTitles, type MenuFileText } from '../../../src/medium/menus/index.ts';
import { isLiveKernel, readMenuFixture } from './menu-support.ts';

const ISOLINUX = [
  'default vesamenu.c32',
  'label install',
  '\tmenu label ^Install',
  '\tkernel /casper/vmlinuz',
  '\tappend initrd=/casper/initrd boot=casper --- quiet',
  '',
].join('\n');
const GRUB = [
  'set timeout=5',
  "menuentry 'Install' --hotkey=i {",
  '\tlinux /casper/vmlinuz boot=casper --- quiet',
  '\tinitrd /casper/initrd',
  '}',
  '',
].join('\n');

const files: MenuFileText[] = [
  { path: '/isolinux/isolinux.cfg', loader: 'isolinux', text: ISOLINUX },
  { path: '/boot/grub/grub.cfg', loader: 'grub', text: GRUB },
];

/** The titles `isoforge inspect` prints for FILES. */
const inspectTitles = (menus: readonly MenuFileText[]) =>
  menus.flatMap((file) => parseMenu(file.path, file.loader, file.text).entries.map((entry) => entry.title));

describe('one title rule for inspect and the menu editors', () => {
  it('inspect and the editor see `menu label ^Install` as Install (the ^ only marks the hotkey)', () => {
    expect(inspectTitles(files)).toEqual(['Install', 'Install']);
    expect(listMenuTitles(files)).toEqual(['Install']);
  });

  it('a title copied from inspect is accepted by the editor as default, copy source and entries filter', () => {
    const [title = ''] = inspectTitles(files);
    const { files: edited, problems } = editMenuFiles(files, {
      isLiveKernel,
      cmdline: { add: ['autoinstall'], remove: [], side: 'live', entries: new RegExp(`^${title}$`) },
      defaultTitle: title,
      newEntries: [{ title: `${title} (serial)`, from: title, default: false }],
    });
    expect(problems).toEqual([]);
    for (const file of edited) {
      expect(file.touched, file.path).toEqual(['Install']);
      expect(file.added, file.path).toEqual(['Install (serial)']);
    }
    expect(inspectTitles(edited)).toEqual(['Install', 'Install (serial)', 'Install', 'Install (serial)']);
  });

  it("agrees on every entry of UNetbootin's syslinux.cfg, whose labels all have hotkeys", async () => {
    const unetbootin: MenuFileText[] = [
      {
        path: '/syslinux.cfg',
        loader: 'isolinux',
        text: await readMenuFixture('unetbootin-ubuntu-syslinux.cfg'),
      },
    ];
    const titles = inspectTitles(unetbootin);
    expect(titles).toContain('Try Ubuntu without installing');
    expect(titles.some((title) => title.includes('^'))).toBe(false);
    expect(listMenuTitles(unetbootin)).toEqual(titles);
    const { problems } = editMenuFiles(unetbootin, { isLiveKernel, defaultTitle: titles[2] });
    expect(problems).toEqual([]);
  });
});
