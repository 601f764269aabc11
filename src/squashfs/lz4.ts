import { FormatError } from '../errors.ts';

/**
 * Decodes one raw LZ4 block (lz4 Block_format.md: sequences of token, literals, 2-byte offset,
 * match), as squashfs stores it: no frame header, the decompressed size bounded by MAXSIZE.
 */
export function decodeLz4Block(input: Uint8Array, maxSize: number): Uint8Array {
  const output = new Uint8Array(maxSize);
  let inPos = 0;
  let outPos = 0;
  const fail = (why: string): never => {
    throw new FormatError(`squashfs lz4 block is corrupt: ${why}`);
  };
  const readLength = (initial: number): number => {
    let length = initial;
    if (initial !== 15) return length;
    for (;;) {
      if (inPos >= input.length) fail('length runs past the block');
      const byte = input[inPos++] ?? 0;
      length += byte;
      if (byte !== 255) return length;
    }
  };
  while (inPos < input.length) {
    const token = input[inPos++] ?? 0;
    const literals = readLength(token >> 4);
    if (inPos + literals > input.length || outPos + literals > maxSize) fail('literals run past the block');
    output.set(input.subarray(inPos, inPos + literals), outPos);
    inPos += literals;
    outPos += literals;
    if (inPos === input.length) break; // the last sequence has literals only
    if (inPos + 2 > input.length) fail('match offset runs past the block');
    const distance = (input[inPos] ?? 0) | ((input[inPos + 1] ?? 0) << 8);
    inPos += 2;
    const matchLength = readLength(token & 15) + 4;
    if (distance === 0 || distance > outPos) fail(`match offset ${distance} points before the block`);
    if (outPos + matchLength > maxSize) fail(`output exceeds ${maxSize} bytes`);
    // Byte by byte: a match may overlap the bytes it is producing (distance < length).
    for (let i = 0; i < matchLength; i++, outPos++) output[outPos] = output[outPos - distance] ?? 0;
  }
  return output.subarray(0, outPos);
}
