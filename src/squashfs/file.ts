import { open, type FileHandle } from 'node:fs/promises';
import { FormatError, InputError } from '../errors.ts';

/**
 * A squashfs image inside a file (at OFFSET: a layer read in place from an ISO), read with
 * positioned reads only, each counted in bytesRead: the reader fetches the tables it needs,
 * never the whole image.
 */
export class ImageFile implements AsyncDisposable {
  bytesRead = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly offset: number,
    /** Bytes of the image: from OFFSET to the end of the file until the superblock says how many it uses. */
    public length: number,
  ) {}

  static async open(path: string, offset: number): Promise<ImageFile> {
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw new InputError(`cannot open ${path}: ${(error as Error).message}`, { cause: error });
    });
    const size = (await handle.stat()).size;
    return new ImageFile(handle, path, offset, Math.max(0, size - offset));
  }

  /** LENGTH bytes at POSITION (from the image start) of the structure WHAT; a short read is a FormatError. */
  async read(position: number, length: number, what: string): Promise<Uint8Array> {
    if (position < 0 || length < 0 || position + length > this.length) {
      throw new FormatError(
        `squashfs ${what} is truncated: needs image bytes ${position}..${position + length}, the image has ${this.length}`,
        { hint: `${this.path} is cut short or corrupt` },
      );
    }
    const buffer = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(
        buffer,
        done,
        length - done,
        this.offset + position + done,
      );
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    this.bytesRead += done;
    if (done < length) {
      throw new FormatError(
        `squashfs ${what} is truncated: ${this.path} ends after ${done} of ${length} bytes`,
      );
    }
    return buffer;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
