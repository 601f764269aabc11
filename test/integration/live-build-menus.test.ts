import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMenu } from '../../src/inspect/menus.ts';
import { IsoImage } from '../../src/iso/image.ts';
import {
  chooseSettingFiles,
  editMenuFiles,
  findMenuFiles,
  type MenuFileText,
  type MenuFilesEdit,
} from '../../src/medium/menus/index.ts';
import { checkGrubText, isLiveKernel } from '../unit/medium/menu-support.ts';
import { suiteLiveBuildIsos } from '../support/fixtures.ts';

// live-build's own templates: the stock files the fixture configs replace.
const TEMPLATES = '/usr/share/live/build/bootloaders';

/** Every menu file of ISO, found the way the medium stage finds them, with its text. */
async function readMenuFiles(iso: string): Promise<MenuFileText[]> {
  await using image = await IsoImage.open(iso);
  const paths = (await image.walk('/')).map((entry) => entry.path);
  const files: MenuFileText[] = [];
  for (const file of findMenuFiles(paths)) {
    const text = await image.readText(file.path);
    if (text !== null) files.push({ ...file, text });
  }
  return files;
}

/** The fixture ISO with live-build's stock isolinux.cfg and config.cfg back: menus that wait forever. */
async function withStockTemplates(files: readonly MenuFileText[]): Promise<MenuFileText[]> {
  const stock: Record<string, string> = {
    '/isolinux/isolinux.cfg': await readFile(`${TEMPLATES}/isolinux/isolinux.cfg`, 'utf8'),
    '/boot/grub/config.cfg': await readFile(`${TEMPLATES}/grub-pc/config.cfg`, 'utf8'),
  };
  return files.map((file) => ({ ...file, text: stock[file.path] ?? file.text }));
}

const ISOS = (await suiteLiveBuildIsos()).map(({ iso }) => iso);
const byPath = (files: readonly MenuFileText[], path: string) =>
  files.find((file) => file.path === path)?.text ?? '';

describe.each(ISOS)('the menus of the live-build fixture %s', (iso) => {
  it('findMenuFiles finds the GRUB menus and the isolinux includes (hybrid ISOs)', async () => {
    const paths = (await readMenuFiles(iso)).map((file) => `${file.loader} ${file.path}`);
    expect(paths.slice(0, 2)).toEqual(['grub /boot/grub/grub.cfg', 'grub /boot/grub/loopback.cfg']);
    expect(paths).toEqual(
      expect.arrayContaining(['grub /boot/grub/config.cfg', 'grub /boot/grub/x86_64-efi/grub.cfg']),
    );
    if (paths.includes('isolinux /isolinux/isolinux.cfg')) {
      expect(paths).toEqual(
        expect.arrayContaining(['isolinux /isolinux/live.cfg', 'isolinux /isolinux/menu.cfg']),
      );
    }
  });

  it('adds a live argument (; literal in isolinux, escaped in GRUB), a 3 s timeout and a new default entry', async () => {
    const files = await withStockTemplates(await readMenuFiles(iso));
    expect(
      files
        .map((file) => parseMenu(file.path, file.loader, file.text).timeoutSeconds)
        .filter((t) => t !== null),
    ).toEqual([]);
    const edit: MenuFilesEdit = {
      isLiveKernel,
      cmdline: {
        add: ['isoforge.mark=1', 'ds=nocloud;s=/cdrom/nocloud/'],
        remove: ['components'],
        side: 'live',
      },
      timeoutSeconds: 3,
      newEntries: [
        {
          title: 'Live system (serial only)',
          from: 'Live system (amd64)',
          default: true,
          cmdline: { add: ['isoforge.copy=1'], remove: [], side: 'installed' },
        },
      ],
    };
    const { files: edited, problems } = editMenuFiles(files, edit);
    expect(problems).toEqual([]);

    const grub = parseMenu('/boot/grub/grub.cfg', 'grub', byPath(edited, '/boot/grub/grub.cfg'));
    expect(grub.entries.map((entry) => entry.title).slice(0, 3)).toEqual([
      'Live system (amd64)',
      'Live system (serial only)',
      'Live system (amd64 fail-safe mode)',
    ]);
    // Stock or serial-console arguments alike: components gone, the marks at the end, ; escaped.
    const grubBefore = parseMenu('/boot/grub/grub.cfg', 'grub', byPath(files, '/boot/grub/grub.cfg'));
    const grubLive = `${grubBefore.entries[0]?.cmdline?.replace(' components', '')} isoforge.mark=1 ds=nocloud\\;s=/cdrom/nocloud/`;
    expect(grubLive).toMatch(
      /^boot=live .*findiso=\$\{iso_path\} isoforge\.mark=1 ds=nocloud\\;s=\/cdrom\/nocloud\/$/,
    );
    expect(grub.entries[0]?.cmdline).toBe(grubLive);
    expect(grub.entries[1]?.cmdline).toBe(`${grubLive} --- isoforge.copy=1`);
    // The timeout goes to the top of grub.cfg (stock config.cfg sets only the default, which is replaced).
    expect(grub.timeoutSeconds).toBe(3);
    expect(byPath(edited, '/boot/grub/config.cfg')).toMatch(/^set default="Live system \(serial only\)"$/m);
    expect(byPath(edited, '/boot/grub/loopback.cfg')).toBe(byPath(files, '/boot/grub/loopback.cfg'));
    for (const file of edited.filter((f) => f.loader === 'grub' && f.changed)) {
      expect(await checkGrubText(file.text), file.path).toEqual({ ok: true });
    }

    if (!files.some((file) => file.path === '/isolinux/live.cfg')) return;
    const live = parseMenu('/isolinux/live.cfg', 'isolinux', byPath(edited, '/isolinux/live.cfg'));
    expect(live.entries.map((entry) => entry.title)).toEqual([
      'Live system (amd64)',
      'Live system (serial only)',
      'Live system (amd64 fail-safe mode)',
    ]);
    const liveBefore = parseMenu('/isolinux/live.cfg', 'isolinux', byPath(files, '/isolinux/live.cfg'));
    const isolinuxLive = `${liveBefore.entries[0]?.cmdline?.replace(' components', '')} isoforge.mark=1 ds=nocloud;s=/cdrom/nocloud/`;
    expect(live.entries[0]?.cmdline).toBe(isolinuxLive);
    expect(live.entries[1]?.cmdline).toBe(`${isolinuxLive} --- isoforge.copy=1`);
    const liveText = byPath(edited, '/isolinux/live.cfg');
    expect(liveText).toContain(
      'label live-system-serial-only\n\tmenu label Live system (serial only)\n\tmenu default\n',
    );
    expect(liveText.match(/menu default/g)).toHaveLength(1);
    expect(
      parseMenu('/isolinux/isolinux.cfg', 'isolinux', byPath(edited, '/isolinux/isolinux.cfg'))
        .timeoutSeconds,
    ).toBe(3);
    expect(byPath(edited, '/isolinux/isolinux.cfg')).toBe(
      'include menu.cfg\ndefault vesamenu.c32\nprompt 0\ntimeout 30\n',
    );

    const again = editMenuFiles(edited, edit);
    expect(again.files.filter((file) => file.changed).map((file) => file.path)).toEqual([]);
  });

  it('replaces the timeouts where the ISO has them and adds one only where none is in effect', async () => {
    const files = await readMenuFiles(iso);
    // The unattended fixtures set `set timeout=1` in config.cfg; live-build's stock config.cfg has none.
    const ownGrubTimeout = /^set timeout=/m.test(byPath(files, '/boot/grub/config.cfg'));
    expect(chooseSettingFiles(files, 'timeout')).toEqual(ownGrubTimeout ? [] : ['/boot/grub/grub.cfg']);
    const { files: edited } = editMenuFiles(files, { isLiveKernel, timeoutSeconds: 0 });
    const grubTimeouts = ['/boot/grub/grub.cfg', '/boot/grub/config.cfg'].map(
      (path) => parseMenu(path, 'grub', byPath(edited, path)).timeoutSeconds,
    );
    expect(grubTimeouts).toEqual(ownGrubTimeout ? [null, 0] : [0, null]);
    expect(byPath(edited, '/boot/grub/loopback.cfg')).toBe(byPath(files, '/boot/grub/loopback.cfg'));
    if (files.some((file) => file.path === '/isolinux/isolinux.cfg')) {
      // isolinux.cfg has `timeout 0` (stock) or `timeout 10`; isolinux's 0 means "wait forever": 0 s is one tenth.
      expect(byPath(edited, '/isolinux/isolinux.cfg')).toMatch(/\ntimeout 1\n$/);
    }
  });

  it('reports an entries regex, a copy source and a default that match nothing, with the titles there are', async () => {
    const files = await readMenuFiles(iso);
    const { problems } = editMenuFiles(files, {
      isLiveKernel,
      cmdline: { add: ['x'], remove: [], side: 'live', entries: /Install/ },
      defaultTitle: 'Graphical install',
      newEntries: [{ title: 'Copy', from: 'Live system', default: false }],
    });
    expect(problems.map((problem) => [problem.field.join('.'), problem.value])).toEqual([
      ['cmdline.entries', 'Install'],
      ['menu.add.0.from', 'Live system'],
      ['menu.default', 'Graphical install'],
    ]);
    expect(problems[0]?.message).toMatch(
      /^matches no menu entry that boots the live kernel; the menus' entries are "Live system \(amd64\)", /,
    );
  });
});
