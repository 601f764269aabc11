import { ByteView } from './bytes.ts';
import { SECTOR } from './volume.ts';

/** ECMA-119 9.1 directory record, with its Rock Ridge (RRIP 1.12) fields when present. */
export interface DirectoryRecord {
  extentLba: number;
  size: number;
  isDirectory: boolean;
  /** The ISO 9660 name ("FILE.TXT;1", or "\0"/"\1" for . and ..). */
  isoName: string;
  systemUse: Uint8Array;
}

const FLAG_DIRECTORY = 0x02;
const FLAG_MULTI_EXTENT = 0x80;

/** Parses every record of a directory extent; records never straddle a sector (ECMA-119 6.8.1.1). */
export function parseDirectoryRecords(bytes: Uint8Array): DirectoryRecord[] {
  const view = new ByteView(bytes, 'ISO 9660 directory');
  const records: DirectoryRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const length = view.u8(offset);
    if (length === 0) {
      offset = (Math.floor(offset / SECTOR) + 1) * SECTOR;
      continue;
    }
    if (length < 34) {
      offset = (Math.floor(offset / SECTOR) + 1) * SECTOR;
      continue;
    }
    records.push(parseDirectoryRecord(view.sub(offset, Math.min(length, bytes.length - offset))));
    offset += length;
  }
  return records;
}

export function parseDirectoryRecord(view: ByteView): DirectoryRecord {
  const nameLength = view.u8(32);
  const flags = view.u8(25);
  const isoName = view.ascii(33, nameLength);
  const suOffset = 33 + nameLength + (nameLength % 2 === 0 ? 1 : 0);
  return {
    extentLba: view.u32le(2),
    size: view.u32le(10),
    isDirectory: (flags & FLAG_DIRECTORY) !== 0,
    isoName: nameLength === 1 && view.u8(33) <= 1 ? String.fromCharCode(view.u8(33)) : isoName,
    systemUse: suOffset < view.length ? view.slice(suOffset, view.length - suOffset) : new Uint8Array(0),
  };
}

export function isMultiExtent(bytes: Uint8Array): boolean {
  return ((bytes[25] ?? 0) & FLAG_MULTI_EXTENT) !== 0;
}

/** One System Use Sharing Protocol entry (SUSP 1.12 section 4). */
export interface SuspEntry {
  signature: string;
  data: ByteView;
}

/** Splits a system use area into SUSP entries; stops at ST or at anything malformed. */
export function parseSuspEntries(bytes: Uint8Array, skip = 0): SuspEntry[] {
  const view = new ByteView(bytes, 'Rock Ridge system use area');
  const entries: SuspEntry[] = [];
  let offset = skip;
  while (offset + 4 <= bytes.length) {
    const signature = view.ascii(offset, 2);
    const length = view.u8(offset + 2);
    if (length < 4 || offset + length > bytes.length || !/^[A-Z]{2}$/.test(signature)) break;
    if (signature === 'ST') break;
    entries.push({ signature, data: view.sub(offset + 4, length - 4, `Rock Ridge ${signature} entry`) });
    offset += length;
  }
  return entries;
}

/** Where a CE entry continues the system use area: block, offset, length (SUSP 5.1). */
export function parseContinuation(entry: SuspEntry): { lba: number; offset: number; length: number } {
  return { lba: entry.data.u32le(0), offset: entry.data.u32le(8), length: entry.data.u32le(16) };
}

export interface RockRidgeFields {
  name: string | null;
  symlinkTarget: string | null;
  mode: number | null;
  /** Rock Ridge relocated or hidden entries (RE) are skipped in listings. */
  relocated: boolean;
}

/** Collects the RRIP fields of one record from its SUSP entries (continuations already appended). */
export function parseRockRidge(entries: readonly SuspEntry[]): RockRidgeFields {
  let name: string | null = null;
  let symlinkTarget: string | null = null;
  let mode: number | null = null;
  let relocated = false;
  for (const entry of entries) {
    if (entry.signature === 'NM') {
      const flags = entry.data.u8(0);
      if (flags & 0x06) continue; // CURRENT/PARENT: "." and ".."
      name = (name ?? '') + new TextDecoder().decode(entry.data.slice(1, entry.data.length - 1));
    } else if (entry.signature === 'SL') {
      symlinkTarget =
        (symlinkTarget === null ? '' : `${symlinkTarget}/`) + parseSymlinkComponents(entry.data);
    } else if (entry.signature === 'PX') {
      mode = entry.data.u32le(0);
    } else if (entry.signature === 'RE') {
      relocated = true;
    }
  }
  return { name, symlinkTarget, mode, relocated };
}

function parseSymlinkComponents(data: ByteView): string {
  const parts: string[] = [];
  let offset = 1;
  while (offset + 2 <= data.length) {
    const flags = data.u8(offset);
    const length = data.u8(offset + 1);
    if (flags & 0x08) parts.push('');
    else if (flags & 0x02) parts.push('.');
    else if (flags & 0x04) parts.push('..');
    else parts.push(data.ascii(offset + 2, length));
    offset += 2 + length;
  }
  const joined = parts.join('/');
  return parts[0] === '' && parts.length > 1 ? joined : joined || '/';
}

/** An ISO 9660 name without its ";1" version and a trailing dot, lowercased as Linux shows it. */
export function plainIsoName(isoName: string): string {
  return isoName.replace(/;\d+$/, '').replace(/\.$/, '');
}
