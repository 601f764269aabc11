import type { IsoReport } from '../inspect/inspect.ts';
import { quoteAlways } from '../ui/shell.ts';
import { alignDifferences, diffLists, isListChange, type ListChange, type SideBySide } from './lists.ts';
import { changedFields, type FieldChange } from './volume.ts';

export interface BootDiff {
  /** El Torito entries, MBR/GPT/APM partitions: each described without its sector positions. */
  eltorito: ListChange;
  mbrPartitions: ListChange;
  gptPartitions: ListChange;
  apmPartitions: ListChange;
  /** MBR boot code kind, protective MBR, boot catalog path. */
  changes: FieldChange[];
  /**
   * The `inspect --mkisofs` lines that differ once positions, dates and the ISO's own path are
   * set aside (a remaster moves files; that is no change of the boot setup). Shown as written.
   */
  mkisofs: SideBySide[];
}

/** What a firmware sees differently: El Torito, MBR, GPT, APM and the mkisofs lines that rebuild them. */
export function compareBoot(a: IsoReport, b: IsoReport): BootDiff {
  return {
    eltorito: diffLists(a.eltorito.map(describeElTorito), b.eltorito.map(describeElTorito)),
    mbrPartitions: diffLists(a.mbr.map(describeMbr), b.mbr.map(describeMbr)),
    gptPartitions: diffLists(gptOf(a), gptOf(b)),
    apmPartitions: diffLists(a.apm.map(describeApm), b.apm.map(describeApm)),
    changes: changedFields(bootFields(a), bootFields(b)),
    mkisofs: alignDifferences(mkisofsLines(a), mkisofsLines(b), positionFree),
  };
}

export function isBootDifferent(diff: BootDiff): boolean {
  const lists = [diff.eltorito, diff.mbrPartitions, diff.gptPartitions, diff.apmPartitions];
  return lists.some(isListChange) || diff.changes.length > 0 || diff.mkisofs.length > 0;
}

function bootFields(r: IsoReport) {
  return { mbrBootCode: r.mbrBootCode, protectiveMbr: r.protectiveMbr, bootCatalog: r.bootCatalog };
}

/** "bios, no emulation, load 4, /isolinux.bin, boot-info-table": an entry's identity, its LBA left out. */
function describeElTorito(e: IsoReport['eltorito'][number]): string {
  const image = e.path ?? (e.partition !== null ? `appended partition ${e.partition}` : 'hidden image');
  const patches = [e.bootInfoTable && 'boot-info-table', e.grub2BootInfo && 'grub2-boot-info'].filter(
    Boolean,
  );
  return [
    e.platform,
    e.bootable ? 'bootable' : 'not bootable',
    `emulation ${e.emulation}`,
    `load ${e.loadSectors}`,
    image,
    ...patches,
  ].join(', ');
}

function describeMbr(p: IsoReport['mbr'][number]): string {
  return `#${p.index} type ${p.type}${p.bootable ? ', bootable' : ''}`;
}

function gptOf(r: IsoReport): string[] {
  return (r.gpt?.partitions ?? []).map((p) => `#${p.index} ${p.typeName || p.typeGuid} '${p.name}'`);
}

function describeApm(p: IsoReport['apm'][number]): string {
  return `#${p.index} ${p.type} '${p.name}'`;
}

/** The mkisofs lines without the date (the volume section has it), the ISO's own path as ISO. */
function mkisofsLines(r: IsoReport): string[] {
  return r.mkisofsArgs
    .filter((line) => !line.startsWith('--modification-date='))
    .map((line) => line.split(quoteAlways(r.path)).join('ISO').split(r.path).join('ISO'));
}

/** A line with sector positions replaced by lengths: `local_fs:100d-199d` -> `local_fs:100 blocks`. */
function positionFree(line: string): string {
  return line
    .replace(
      /local_fs:(\d+)d-(\d+)d/g,
      (_, start: string, end: string) => `local_fs:${Number(end) - Number(start) + 1} blocks`,
    )
    .replace(/_start_\d+s_/g, '_start_');
}
