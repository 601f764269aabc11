import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compareMenus } from '../../../src/diff/menus.ts';
import { parseMenu } from '../../../src/inspect/menus.ts';

const grubMenu = async (fixture: string) =>
  parseMenu(
    '/boot/grub/grub.cfg',
    'grub',
    await readFile(new URL(`../../fixtures/menus/${fixture}`, import.meta.url), 'utf8'),
  );

describe('compareMenus on the real Ubuntu grub.cfg files', () => {
  it('a menu and itself: nothing', async () => {
    const menu = await grubMenu('ubuntu-22.04-grub.cfg');
    expect(compareMenus([menu], [menu])).toEqual([]);
  });

  it('22.04 -> 24.04: only the memtest kernel moved', async () => {
    const diff = compareMenus(
      [await grubMenu('ubuntu-22.04-grub.cfg')],
      [await grubMenu('ubuntu-24.04-grub.cfg')],
    );
    expect(diff).toEqual([
      {
        file: '/boot/grub/grub.cfg',
        status: 'changed',
        entriesAdded: [],
        entriesRemoved: [],
        entries: [
          { title: 'Test memory', field: 'kernel', a: '/boot/memtest86+.bin', b: '/boot/memtest86+x64.bin' },
        ],
      },
    ]);
  });

  it('a menu file only one side has: all its entries added', async () => {
    const menu = await grubMenu('ubuntu-22.04-grub.cfg');
    const [diff] = compareMenus([], [menu]);
    expect(diff?.status).toBe('added');
    expect(diff?.entriesAdded).toEqual(menu.entries.map((e) => e.title));
  });
});
