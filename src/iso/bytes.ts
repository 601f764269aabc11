import { FormatError } from '../errors.ts';

/**
 * Bounds-checked little/big-endian field readers over a byte array. Every parser reads through
 * one of these, so a truncated or corrupt image gives a FormatError naming the structure, never
 * a RangeError or a read outside the buffer.
 */
export class ByteView {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** What these bytes are, for error messages ("El Torito catalog"). */
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  private check(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      throw new FormatError(
        `${this.what} is truncated: needs bytes ${offset}..${offset + size}, has ${this.bytes.length}`,
      );
    }
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.view.getUint8(offset);
  }

  u16le(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }

  u16be(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, false);
  }

  u32le(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }

  u32be(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, false);
  }

  /** 64-bit little-endian as a number; disk offsets stay far below 2^53. */
  u64le(offset: number): number {
    this.check(offset, 8);
    return Number(this.view.getBigUint64(offset, true));
  }

  u64leBig(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }

  slice(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return this.bytes.subarray(offset, offset + length);
  }

  sub(offset: number, length: number, what = this.what): ByteView {
    return new ByteView(this.slice(offset, length), what);
  }

  /** A space- or NUL-padded ASCII field, trimmed (ECMA-119 a/d-characters). */
  ascii(offset: number, length: number): string {
    return new TextDecoder('latin1').decode(this.slice(offset, length)).replace(/[\0 ]+$/, '');
  }

  utf16be(offset: number, length: number): string {
    const raw = this.slice(offset, length);
    let out = '';
    for (let i = 0; i + 1 < raw.length; i += 2)
      out += String.fromCharCode(((raw[i] ?? 0) << 8) | (raw[i + 1] ?? 0));
    return out.replace(/[\0 ]+$/, '');
  }

  utf16le(offset: number, length: number): string {
    const raw = this.slice(offset, length);
    let out = '';
    for (let i = 0; i + 1 < raw.length; i += 2)
      out += String.fromCharCode((raw[i] ?? 0) | ((raw[i + 1] ?? 0) << 8));
    return out.replace(/\0.*$/s, '');
  }

  isZero(offset: number, length: number): boolean {
    return this.slice(offset, length).every((byte) => byte === 0);
  }
}

/** CRC-32 (IEEE 802.3, as GPT uses it; UEFI spec 2.10 section 5.3.2). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function toHex(value: number, width = 2): string {
  return `0x${value.toString(16).padStart(width, '0')}`;
}
