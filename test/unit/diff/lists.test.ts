import { describe, expect, it } from 'vitest';
import { alignDifferences, diffLists } from '../../../src/diff/lists.ts';

describe('diffLists', () => {
  it('counts a repeated item as often as it appears', () => {
    expect(diffLists(['a', 'b', 'b'], ['b', 'c'])).toEqual({ removed: ['a', 'b'], added: ['c'] });
  });
});

describe('alignDifferences', () => {
  it('puts a replaced line beside its replacement and leaves common lines out', () => {
    const a = ['-V x', '-b /isolinux.bin', '-no-emul-boot', '-boot-info-table'];
    const b = ['-V x', '-b /eltorito.img', '-no-emul-boot', '-boot-info-table', '--grub2-boot-info'];
    expect(alignDifferences(a, b)).toEqual([
      { a: '-b /isolinux.bin', b: '-b /eltorito.img' },
      { a: null, b: '--grub2-boot-info' },
    ]);
  });

  it('compares through the key, shows the lines as written', () => {
    const key = (line: string) => line.replace(/\d+/g, 'N');
    expect(alignDifferences(['-append 10d-20d'], ['-append 30d-40d'], key)).toEqual([]);
  });
});
