import { describe, expect, it } from 'vitest';
import { parseSquashfsSuperblock } from '../../../src/iso/squashfs.ts';
import {
  COMPRESSOR_IDS,
  compressorWithId,
  NO_TABLE,
  SuperblockFlag,
  type SquashfsCompressor,
} from '../../../src/iso/squashfs-layout.ts';
import { encodeSuperblock } from '../../../src/squashfs/superblock-encoding.ts';
import { parseSquashfsHeader } from '../../../src/squashfs/superblock.ts';

function superblockFor(compressor: number) {
  return encodeSuperblock({
    inodes: 7,
    mkfsTime: 1_700_000_000,
    blockSize: 131072,
    fragments: 2,
    compressor,
    flags: SuperblockFlag.exportable | SuperblockFlag.noXattrs,
    ids: 1,
    rootInode: 0x20n,
    bytesUsed: 4096,
    starts: { inode: 200n, directory: 300n, fragment: 400n, lookup: NO_TABLE, id: 500n, xattr: NO_TABLE },
  });
}

describe('the squashfs superblock layout', () => {
  it('maps every compressor id to its name and back', () => {
    for (const [name, id] of Object.entries(COMPRESSOR_IDS)) expect(compressorWithId(id)).toBe(name);
    expect(compressorWithId(0)).toBeUndefined();
    expect(compressorWithId(7)).toBeUndefined();
  });

  it('reads back what the writer encodes, in both readers', () => {
    for (const name of Object.keys(COMPRESSOR_IDS) as SquashfsCompressor[]) {
      const bytes = superblockFor(COMPRESSOR_IDS[name]);
      expect(parseSquashfsHeader(bytes)).toMatchObject({
        inodeCount: 7,
        mkfsTime: 1_700_000_000,
        blockSize: 131072,
        fragmentCount: 2,
        compressor: name,
        flags: SuperblockFlag.exportable | SuperblockFlag.noXattrs,
        idCount: 1,
        rootInode: 0x20n,
        bytesUsed: 4096,
        idTableStart: 500,
        xattrIdTableStart: null,
        inodeTableStart: 200,
        directoryTableStart: 300,
        fragmentTableStart: 400,
        exportTableStart: null,
      });
      expect(parseSquashfsSuperblock(bytes)).toMatchObject({ compression: name, version: '4.0', inodes: 7 });
    }
  });

  it('names an unknown compressor in the summary and refuses it in the reader', () => {
    const bytes = superblockFor(9);
    expect(parseSquashfsSuperblock(bytes).compression).toBe('unknown(9)');
    expect(() => parseSquashfsHeader(bytes)).toThrow('unknown compressor id 9');
  });
});
