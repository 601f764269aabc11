import { runCommand } from './exec.ts';

/** One MBR partition as sfdisk's script format spells it, in 512-byte sectors. */
export interface MbrPartition {
  startSector: number;
  sizeSectors: number;
  /** The MBR type byte in hex: `c` FAT32 (LBA), `ef` EFI system, `83` Linux. */
  type: string;
  bootable?: boolean;
}

/** sfdisk's input script for an MBR (dos) label holding PARTITIONS. */
export function makeMbrScript(partitions: readonly MbrPartition[]): string {
  const lines = partitions.map(
    (part) =>
      `start=${part.startSector}, size=${part.sizeSectors}, type=${part.type}${part.bootable ? ', bootable' : ''}`,
  );
  return ['label: dos', ...lines, ''].join('\n');
}

/** Writes an MBR partition table into the disk image file DISK (a regular file, never a device). */
export async function runSfdiskMbr(
  disk: string,
  partitions: readonly MbrPartition[],
  signal?: AbortSignal,
): Promise<void> {
  await runCommand(['sfdisk', '--no-reread', '--no-tell-kernel', '--quiet', disk], {
    input: makeMbrScript(partitions),
    signal,
  });
}
