import { describe, expect, it } from 'vitest';
import {
  checksumExclusions,
  findChecksumFiles,
  parseChecksums,
  updateChecksums,
} from '../../../src/distro/checksums.ts';

describe('md5sum.txt', () => {
  const ORIGINAL =
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  ./.disk/info\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb  ./casper/ubuntu-server-minimal.squashfs\ncccccccccccccccccccccccccccccccc  ./casper/ubuntu-server-minimal.squashfs.gpg\n';

  it('re-hashes only changed files, drops removed ones, keeps order', () => {
    const updated = updateChecksums(
      ORIGINAL,
      new Map([['/casper/ubuntu-server-minimal.squashfs', 'd'.repeat(32)]]),
      ['/casper/ubuntu-server-minimal.squashfs.gpg'],
    );
    expect(updated).toBe(
      `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  ./.disk/info\n${'d'.repeat(32)}  ./casper/ubuntu-server-minimal.squashfs\n`,
    );
    expect(parseChecksums(updated)).toHaveLength(2);
  });

  it('never lists the boot catalog, the BIOS El Torito image or itself, even when they were replaced', () => {
    const text = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  ./casper/vmlinuz\n';
    const changed = new Map([
      ['/boot.catalog', 'b'.repeat(32)],
      ['/boot/grub/i386-pc/eltorito.img', 'c'.repeat(32)],
      ['/md5sum.txt', 'd'.repeat(32)],
      ['/casper/vmlinuz', 'e'.repeat(32)],
    ]);
    expect(updateChecksums(text, changed, [])).toBe(`${'e'.repeat(32)}  ./casper/vmlinuz\n`);
  });
});

describe("live-build's sha256sum.txt", () => {
  // As live-build's binary_checksums writes it: `find . -type f ... | sort -z | xargs -0 sha256sum`.
  const ORIGINAL = [
    `${'1'.repeat(64)}  ./boot/grub/grub.cfg`,
    `${'2'.repeat(64)}  ./live/filesystem.packages`,
    `${'3'.repeat(64)}  ./live/filesystem.size`,
    `${'4'.repeat(64)}  ./live/filesystem.squashfs`,
    '',
  ].join('\n');
  const excluded = checksumExclusions('/boot.catalog', ['/isolinux/isolinux.bin']);

  it('re-hashes in sha256 and leaves md5-length lines alone', () => {
    const changed = new Map([
      ['/live/filesystem.squashfs', 'a'.repeat(64)],
      ['/live/filesystem.size', 'b'.repeat(64)],
    ]);
    const updated = updateChecksums(ORIGINAL, changed, [], { algorithm: 'sha256', excluded });
    expect(parseChecksums(updated, 'sha256')).toEqual([
      { hash: '1'.repeat(64), path: './boot/grub/grub.cfg' },
      { hash: '2'.repeat(64), path: './live/filesystem.packages' },
      { hash: 'b'.repeat(64), path: './live/filesystem.size' },
      { hash: 'a'.repeat(64), path: './live/filesystem.squashfs' },
    ]);
    expect(parseChecksums(updated, 'md5')).toEqual([]);
  });

  it('adds a new file in the file path style, never a checksum file, the catalog or a patched boot image', () => {
    const changed = new Map([
      ['/live/vmlinuz-new', 'c'.repeat(64)],
      ['/sha256sum.txt', 'd'.repeat(64)],
      ['/md5sum.txt', 'd'.repeat(64)],
      ['/boot.catalog', 'd'.repeat(64)],
      ['/isolinux/isolinux.bin', 'd'.repeat(64)],
    ]);
    const updated = updateChecksums(ORIGINAL, changed, ['/live/filesystem.packages'], {
      algorithm: 'sha256',
      excluded,
    });
    expect(updated.split('\n').filter(Boolean)).toEqual([
      `${'1'.repeat(64)}  ./boot/grub/grub.cfg`,
      `${'3'.repeat(64)}  ./live/filesystem.size`,
      `${'4'.repeat(64)}  ./live/filesystem.squashfs`,
      `${'c'.repeat(64)}  ./live/vmlinuz-new`,
    ]);
  });

  it('keeps paths without ./ when the file has none', () => {
    const updated = updateChecksums(`${'1'.repeat(40)}  a/b\n`, new Map([['/c', '2'.repeat(40)]]), [], {
      algorithm: 'sha1',
    });
    expect(updated).toBe(`${'1'.repeat(40)}  a/b\n${'2'.repeat(40)}  c\n`);
  });
});

describe('findChecksumFiles', () => {
  it('finds each checksum file a medium carries, with its algorithm', () => {
    const paths = ['/md5sum.txt', '/sha256sum.txt', '/sha256sum.README', '/SHA512SUMS', '/live/x'];
    expect(findChecksumFiles(paths)).toEqual([
      { path: '/md5sum.txt', algorithm: 'md5' },
      { path: '/sha256sum.txt', algorithm: 'sha256' },
      { path: '/SHA512SUMS', algorithm: 'sha512' },
    ]);
  });
});
