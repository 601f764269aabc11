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
  /** CL (RRIP 4.1.5.1): this file record stands for a deep directory relocated to this block. */
  childLinkLba: number | null;
  /** TF (RRIP 4.1.6) modification time, ISO 8601, when recorded. */
  modified: string | null;
}

/** Collects the RRIP fields of one record from its SUSP entries (continuations already appended). */
export function parseRockRidge(entries: readonly SuspEntry[]): RockRidgeFields {
  let name: string | null = null;
  let symlinkTarget: string | null = null;
  let mode: number | null = null;
  let relocated = false;
  let childLinkLba: number | null = null;
  let modified: string | null = null;
  let symlinkContinues = false;
  for (const entry of entries) {
    if (entry.signature === 'NM') {
      const flags = entry.data.u8(0);
      if (flags & 0x06) continue; // CURRENT/PARENT: "." and ".."
      name = (name ?? '') + new TextDecoder().decode(entry.data.slice(1, entry.data.length - 1));
    } else if (entry.signature === 'SL') {
      // An SL whose flag bit 0 is set continues its last component in the next SL (RRIP 4.1.3).
      const separator: string = symlinkTarget === null || symlinkContinues ? '' : '/';
      symlinkTarget = (symlinkTarget ?? '') + separator + parseSymlinkComponents(entry.data);
      symlinkContinues = (entry.data.u8(0) & 0x01) !== 0;
    } else if (entry.signature === 'CL') {
      childLinkLba = entry.data.u32le(0);
    } else if (entry.signature === 'TF') {
      modified = parseTimestampModified(entry.data);
    } else if (entry.signature === 'PX') {
      mode = entry.data.u32le(0);
    } else if (entry.signature === 'RE') {
      relocated = true;
    }
  }
  return { name, symlinkTarget, mode, relocated, childLinkLba, modified };
}

const TF_CREATION = 0x01;
const TF_MODIFY = 0x02;
const TF_LONG_FORM = 0x80;

/** TF holds the flagged stamps in order (creation, modify, ...): 7-byte ECMA-119 9.1.5 or 17-byte long form. */
function parseTimestampModified(data: ByteView): string | null {
  const flags = data.u8(0);
  if (!(flags & TF_MODIFY)) return null;
  if (flags & TF_LONG_FORM) return null;
  const offset = flags & TF_CREATION ? 8 : 1;
  const [year, month, day, hour, minute, second] = [0, 1, 2, 3, 4, 5].map((i) => data.u8(offset + i));
  const zoneQuarters = (data.u8(offset + 6) << 24) >> 24;
  const utc =
    Date.UTC(1900 + (year ?? 0), (month ?? 1) - 1, day, hour, minute, second) - zoneQuarters * 900_000;
  return Number.isNaN(utc) ? null : new Date(utc).toISOString();
}

function parseSymlinkComponents(data: ByteView): string {
  const parts: string[] = [];
  let offset = 1;
  let continues = false;
  while (offset + 2 <= data.length) {
    const flags = data.u8(offset);
    const length = data.u8(offset + 1);
    let part = new TextDecoder().decode(data.slice(offset + 2, length));
    if (flags & 0x08) part = '';
    else if (flags & 0x02) part = '.';
    else if (flags & 0x04) part = '..';
    // Component flag bit 0: this component goes on in the next one, with no "/" between.
    if (continues && parts.length) parts[parts.length - 1] += part;
    else parts.push(part);
    continues = (flags & 0x01) !== 0;
    offset += 2 + length;
  }
  const joined = parts.join('/');
  return parts[0] === '' && parts.length > 1 ? joined : joined || '/';
}

/** An ISO 9660 name without its ";1" version and a trailing dot, lowercased as Linux shows it. */
export function plainIsoName(isoName: string): string {
  return isoName.replace(/;\d+$/, '').replace(/\.$/, '');
}
