/** Parses xorriso's `-report_el_torito plain -report_system_area plain` lines, the reference for tests. */
export interface PlainReport {
  eltorito: {
    platform: string;
    bootable: boolean;
    emulation: string;
    loadSectors: number;
    lba: number;
    path: string | null;
    opts: string[];
  }[];
  mbr: { index: number; bootable: boolean; type: string; start: number; sectors: number }[];
  gpt: { index: number; typeHex: string; name: string; start: number; sectors: number; flags: string }[];
}

// xorriso's short emulation names, in the words isoforge reports (El Torito 2.2 media types).
const EMULATIONS: Record<string, string> = {
  none: 'none',
  'fd1.2': '1.2M floppy',
  'fd1.4': '1.44M floppy',
  'fd2.8': '2.88M floppy',
  hd: 'hard disk',
};

const GPT_ENTRY_KEYS = ['GPT type GUID', 'GPT partname local', 'GPT partition flags', 'GPT start and size'];

export function parsePlainReport(lines: readonly string[]): PlainReport {
  const report: PlainReport = { eltorito: [], mbr: [], gpt: [] };
  const gpt = new Map<number, Partial<PlainReport['gpt'][number]>>();
  for (const line of lines) {
    const match = /^(.*?)\s*:\s+(.*)$/.exec(line);
    const key = match?.[1]?.trim() ?? '';
    const value = match?.[2]?.trim() ?? '';
    const fields = value.split(/\s+/);
    const index = Number(fields[0]);
    if (key === 'El Torito boot img') {
      report.eltorito.push({
        platform:
          fields[1] === 'BIOS' ? 'bios' : fields[1] === 'UEFI' ? 'uefi' : (fields[1] ?? '').toLowerCase(),
        bootable: fields[2] === 'y',
        emulation: EMULATIONS[fields[3] ?? ''] ?? fields[3] ?? '',
        loadSectors: Number(fields[6]),
        lba: Number(fields[7]),
        path: null,
        opts: [],
      });
    } else if (key === 'El Torito img path') {
      const entry = report.eltorito[index - 1];
      if (entry) entry.path = fields.slice(1).join(' ');
    } else if (key === 'El Torito img opts') {
      const entry = report.eltorito[index - 1];
      if (entry) entry.opts = fields.slice(1);
    } else if (key === 'MBR partition') {
      report.mbr.push({
        index,
        bootable: fields[1] === '0x80',
        type: fields[2] ?? '',
        start: Number(fields[3]),
        sectors: Number(fields[4]),
      });
    } else if (GPT_ENTRY_KEYS.includes(key)) {
      const entry = gpt.get(index) ?? { index };
      if (key === 'GPT type GUID') entry.typeHex = fields[1];
      if (key === 'GPT partname local') entry.name = fields.slice(1).join(' ');
      if (key === 'GPT partition flags') entry.flags = fields[1];
      if (key === 'GPT start and size') {
        entry.start = Number(fields[1]);
        entry.sectors = Number(fields[2]);
      }
      gpt.set(index, entry);
    }
  }
  report.gpt = [...gpt.values()] as PlainReport['gpt'];
  return report;
}
