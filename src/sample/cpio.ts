/**
 * A "newc" cpio archive writer (the initramfs format, see the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst), so the sample's initrd is
 * built without a shell pipeline.
 */
export interface CpioEntry {
  path: string;
  /** Full st_mode: type bits included (0o100755 file, 0o040755 directory). */
  mode: number;
  data?: Uint8Array;
}

const MAGIC = '070701';

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

function header(entry: CpioEntry, ino: number, nameLength: number, size: number): string {
  const nlink = (entry.mode & 0o170000) === 0o040000 ? 2 : 1;
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const fields = [ino, entry.mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, nameLength, 0];
  return MAGIC + fields.map(hex8).join('');
}

/** Serialises ENTRIES (parents before children) followed by the TRAILER!!! record. */
export function makeCpioArchive(entries: readonly CpioEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let length = 0;
  const push = (chunk: Uint8Array) => {
    chunks.push(chunk);
    length += chunk.length;
  };
  const all = [...entries, { path: 'TRAILER!!!', mode: 0 }];
  all.forEach((entry, index) => {
    const name = encoder.encode(`${entry.path.replace(/^\/+/, '')}\0`);
    const data = entry.data ?? new Uint8Array(0);
    push(encoder.encode(header(entry, index + 1, name.length, data.length)));
    push(name);
    push(new Uint8Array(pad4(110 + name.length)));
    push(data);
    push(new Uint8Array(pad4(data.length)));
  });
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
