import { open, stat, type FileHandle } from 'node:fs/promises';
import { FormatError, InputError } from '../errors.ts';
import {
  type DirectoryRecord,
  isMultiExtent,
  parseContinuation,
  parseDirectoryRecord,
  parseDirectoryRecords,
  parseRockRidge,
  parseSuspEntries,
  plainIsoName,
  type SuspEntry,
} from './directory.ts';
import { ByteView } from './bytes.ts';
import {
  FIRST_DESCRIPTOR_LBA,
  parseDescriptorHeader,
  parsePrimaryVolume,
  type PrimaryVolume,
  SECTOR,
  type VolumeDescriptor,
  DescriptorType,
} from './volume.ts';

export interface IsoEntry {
  name: string;
  path: string;
  isDirectory: boolean;
  size: number;
  extentLba: number;
  isSymlink: boolean;
  target?: string;
  /** Rock Ridge TF modification time (ISO 8601), when recorded. */
  modified?: string;
}

const MAX_DESCRIPTORS = 64;
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
const MAX_CONTINUATIONS = 32;

/**
 * An ISO image opened read-only and read in place: only the sectors a question needs, counted
 * in bytesRead. There is no iso9660 driver here, and reading beats extracting 2 GB anyway.
 */
export class IsoImage implements AsyncDisposable {
  bytesRead = 0;
  readonly descriptors: VolumeDescriptor[] = [];
  primary!: PrimaryVolume;
  /** Rock Ridge is in use when the root "." record carries an SP entry (SUSP 5.3). */
  rockRidge = false;
  private suspSkip = 0;
  private readonly directories = new Map<string, IsoEntry[]>();

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly sizeBytes: number,
  ) {}

  static async open(path: string): Promise<IsoImage> {
    const info = await stat(path).catch((error: unknown) => {
      // An ordinary user (rootless mode) often meets a path below a folder only root may enter.
      if ((error as NodeJS.ErrnoException).code === 'EACCES')
        throw new InputError(`${path} cannot be reached: permission denied`, {
          cause: error,
          hint: 'put the ISO where this user may read it, or make its folders searchable',
        });
      throw new InputError(`${path} does not exist`, { cause: error, hint: 'check the path to the ISO' });
    });
    if (info.isDirectory()) throw new InputError(`${path} is a directory, not an ISO image`);
    if (info.size < (FIRST_DESCRIPTOR_LBA + 1) * SECTOR) {
      throw new FormatError(`${path} is not an ISO image: only ${info.size} bytes`, {
        hint: 'pass an ISO 9660 image (.iso)',
      });
    }
    const image = new IsoImage(await open(path, 'r'), path, info.size);
    try {
      await image.readDescriptors();
    } catch (error) {
      await image.close();
      throw error;
    }
    return image;
  }

  async readRange(byteOffset: number, length: number): Promise<Uint8Array> {
    if (byteOffset < 0 || length < 0 || byteOffset + length > this.sizeBytes) {
      throw new FormatError(
        `${this.path} is truncated: needs bytes ${byteOffset}..${byteOffset + length} of ${this.sizeBytes}`,
      );
    }
    const buffer = new Uint8Array(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, byteOffset);
    this.bytesRead += bytesRead;
    return buffer;
  }

  readSectors(lba: number, count: number): Promise<Uint8Array> {
    return this.readRange(lba * SECTOR, count * SECTOR);
  }

  private async readDescriptors(): Promise<void> {
    for (let i = 0; i < MAX_DESCRIPTORS; i++) {
      const lba = FIRST_DESCRIPTOR_LBA + i;
      const descriptor = parseDescriptorHeader(await this.readSectors(lba, 1), lba);
      if (!descriptor) break;
      if (descriptor.type === DescriptorType.terminator) break;
      this.descriptors.push(descriptor);
    }
    const primary = this.descriptors.find((d) => d.type === DescriptorType.primary);
    if (!primary) {
      throw new FormatError(`${this.path} is not an ISO image: no ISO 9660 volume descriptor at sector 16`, {
        hint: 'pass an ISO 9660 image (.iso)',
      });
    }
    this.primary = parsePrimaryVolume(primary.bytes);
    const root = parseDirectoryRecord(new ByteView(this.primary.rootRecord, 'root directory record'));
    const first = parseDirectoryRecords(await this.readSectors(root.extentLba, 1))[0];
    const sp = first && parseSuspEntries(first.systemUse).find((entry) => entry.signature === 'SP');
    this.rockRidge = sp !== undefined;
    this.suspSkip = sp ? sp.data.u8(2) : 0;
  }

  /** The entries of directory ISOPATH ("/" or "/casper"), with Rock Ridge names when present. */
  async list(isoPath: string): Promise<IsoEntry[]> {
    const key = normalise(isoPath);
    const cached = this.directories.get(key);
    if (cached) return cached;
    const dir = key === '/' ? this.rootEntry() : await this.stat(key);
    if (!dir?.isDirectory) throw new InputError(`${isoPath} is not a directory in ${this.path}`);
    if (dir.size > MAX_DIRECTORY_BYTES) throw new FormatError(`directory ${isoPath} is implausibly large`);
    const bytes = await this.readRange(dir.extentLba * SECTOR, Math.ceil(dir.size / SECTOR) * SECTOR);
    const entries = await this.toEntries(
      key,
      parseDirectoryRecords(bytes.subarray(0, Math.max(dir.size, 0))),
    );
    this.directories.set(key, entries);
    return entries;
  }

  async stat(isoPath: string): Promise<IsoEntry | null> {
    const key = normalise(isoPath);
    if (key === '/') return this.rootEntry();
    const slash = key.lastIndexOf('/');
    const parent = key.slice(0, slash) || '/';
    const name = key.slice(slash + 1);
    const parentEntry = parent === '/' ? this.rootEntry() : await this.stat(parent);
    if (!parentEntry?.isDirectory) return null;
    return (await this.list(parent)).find((entry) => entry.name === name) ?? null;
  }

  /** A whole file; meant for small files (configs, manifests, md5sum.txt). */
  async readFile(isoPath: string): Promise<Uint8Array> {
    const entry = await this.stat(isoPath);
    if (!entry || entry.isDirectory) throw new InputError(`${isoPath} is not a file in ${this.path}`);
    return this.readRange(entry.extentLba * SECTOR, entry.size);
  }

  async readText(isoPath: string): Promise<string | null> {
    const entry = await this.stat(isoPath);
    if (!entry || entry.isDirectory) return null;
    return new TextDecoder().decode(await this.readFile(isoPath));
  }

  /** Every file below ISOPATH, depth first (directories guarded against loops by extent). */
  async walk(isoPath = '/', seen = new Set<number>()): Promise<IsoEntry[]> {
    const out: IsoEntry[] = [];
    for (const entry of await this.list(isoPath)) {
      out.push(entry);
      if (entry.isDirectory && !seen.has(entry.extentLba)) {
        seen.add(entry.extentLba);
        out.push(...(await this.walk(entry.path, seen)));
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private rootEntry(): IsoEntry {
    const root = parseDirectoryRecord(new ByteView(this.primary.rootRecord, 'root directory record'));
    return {
      name: '',
      path: '/',
      isDirectory: true,
      size: root.size,
      extentLba: root.extentLba,
      isSymlink: false,
    };
  }

  private async toEntries(dir: string, records: DirectoryRecord[]): Promise<IsoEntry[]> {
    const entries: IsoEntry[] = [];
    for (const record of records) {
      if (record.isoName === '\0' || record.isoName === '\u0001') continue;
      const rr = this.rockRidge ? parseRockRidge(await this.suspWithContinuations(record)) : null;
      if (rr?.relocated) continue;
      const name = rr?.name ?? plainIsoName(record.isoName).toLowerCase();
      // A relocated deep directory (RRIP CL) stands here as a file record; follow it to the directory.
      const moved = rr?.childLinkLba != null ? await this.relocatedDirectory(rr.childLinkLba) : null;
      const previous = entries.at(-1);
      // A multi-extent file repeats its record per extent; keep one entry with the summed size.
      if (previous && previous.name === name && !record.isDirectory) {
        previous.size += record.size;
        continue;
      }
      entries.push({
        name,
        path: dir === '/' ? `/${name}` : `${dir}/${name}`,
        isDirectory: moved !== null || record.isDirectory,
        size: moved?.size ?? record.size,
        extentLba: moved?.extentLba ?? record.extentLba,
        isSymlink: rr?.symlinkTarget != null,
        ...(rr?.symlinkTarget != null ? { target: rr.symlinkTarget } : {}),
        ...(rr?.modified ? { modified: rr.modified } : {}),
      });
    }
    return entries;
  }

  /** The "." record of a relocated directory gives its extent and size. */
  private async relocatedDirectory(lba: number): Promise<DirectoryRecord> {
    const self = parseDirectoryRecords(await this.readSectors(lba, 1))[0];
    if (!self?.isDirectory)
      throw new FormatError(`Rock Ridge CL entry points at block ${lba}, not a directory`);
    return self;
  }

  private async suspWithContinuations(record: DirectoryRecord): Promise<SuspEntry[]> {
    const entries = parseSuspEntries(record.systemUse, this.suspSkip);
    for (let i = 0, ce = entries.find((e) => e.signature === 'CE'); ce && i < MAX_CONTINUATIONS; i++) {
      const { lba, offset, length } = parseContinuation(ce);
      if (length > SECTOR * 4) throw new FormatError('Rock Ridge continuation area is implausibly large');
      const more = parseSuspEntries(await this.readRange(lba * SECTOR + offset, length));
      entries.push(...more);
      ce = more.find((e) => e.signature === 'CE');
    }
    return entries;
  }
}

function normalise(isoPath: string): string {
  const parts = isoPath.split('/').filter((part) => part && part !== '.');
  return `/${parts.join('/')}`;
}

export { isMultiExtent };
