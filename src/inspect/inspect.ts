import { IsoImage } from '../iso/image.ts';
import type { GptPartition } from '../iso/gpt.ts';
import { isJoliet } from '../iso/volume.ts';
import { type BootSetup, readBootSetup } from './boot.ts';
import { type EntryBootChain, readBootChains } from './boot-chains.ts';
import { type LayoutInfo, readLayout } from './layout.ts';
import { findMenuFiles, isMenuEntryPoint } from './menu-files.ts';
import { type BootMenu, parseMenu } from './menus.ts';
import { deriveMkisofsArgs } from './mkisofs.ts';
import { makeSectorMap, type SectorRegion } from './sectormap.ts';

/** The `inspect --json` document; field names are documented in the README and are an API. */
export interface IsoReport extends LayoutInfo {
  path: string;
  volumeId: string;
  sizeBytes: number;
  volume: {
    systemId: string;
    volumeSetId: string;
    publisherId: string;
    preparerId: string;
    applicationId: string;
    created: string | null;
    modified: string | null;
    volumeBlocks: number;
  };
  joliet: boolean;
  rockRidge: boolean;
  /** xorriso's TOC emulation (a rewrite without `-compliance no_emul_toc`): the session starts 32 blocks in. */
  emulatedToc: boolean;
  eltorito: {
    platform: string;
    bootable: boolean;
    emulation: string;
    loadSectors: number;
    lba: number;
    path: string | null;
    partition: number | null;
    bootInfoTable: boolean;
    grub2BootInfo: boolean;
  }[];
  bootCatalog: string | null;
  mbrBootCode: string | null;
  protectiveMbr: boolean;
  mbr: { index: number; bootable: boolean; type: string; start: number; sectors: number }[];
  gpt: {
    diskGuid: string;
    partitions: Omit<GptPartition, 'end'>[];
  } | null;
  apm: { index: number; name: string; type: string; start: number; blocks: number }[];
  bootMenus: BootMenu[];
  sectorMap: SectorRegion[];
  mkisofsArgs: string[];
  /** Each menu entry's kernel, initrd and the layer chain casper mounts for it (`inspect` only: it reads the initrds). */
  bootChains?: EntryBootChain[];
  bytesRead: number;
}

/** What an inspection reads beyond the ISO's own structures. */
export interface InspectOptions {
  /** Read each initrd's default-layer.conf for the boot chains (decompresses the initrds). */
  bootChains?: boolean;
}

/** Everything about an ISO, read from its bytes: no xorriso, no mount, no root. */
export async function inspectIso(path: string, options: InspectOptions = {}): Promise<IsoReport> {
  await using image = await IsoImage.open(path);
  // awaited here, so the image stays open until the report is done
  return await inspectImage(image, path, options);
}

/** inspectIso on an image the caller already opened (and goes on reading). */
export async function inspectImage(
  image: IsoImage,
  path: string,
  options: InspectOptions = {},
): Promise<IsoReport> {
  const files = await image.walk('/');
  const boot = await readBootSetup(image, files);
  const layout = await readLayout(image, files);
  const bootMenus = await readMenus(
    image,
    files.map((f) => f.path),
  );
  const bootChains = options.bootChains ? await readBootChains(image, { ...layout, bootMenus }) : undefined;
  const totalSectors = Math.floor(image.sizeBytes / 512);
  const v = image.primary;
  return {
    path,
    volumeId: v.volumeId,
    sizeBytes: image.sizeBytes,
    volume: {
      systemId: v.systemId,
      volumeSetId: v.volumeSetId,
      publisherId: v.publisherId,
      preparerId: v.preparerId,
      applicationId: v.applicationId,
      created: v.created,
      modified: v.modified,
      volumeBlocks: v.volumeBlocks,
    },
    joliet: image.descriptors.some(isJoliet),
    rockRidge: image.rockRidge,
    ...bootFields(boot),
    ...layout,
    bootMenus,
    sectorMap: makeSectorMap(boot, v.volumeBlocks * 4, totalSectors),
    mkisofsArgs: deriveMkisofsArgs(path, v, boot),
    ...(bootChains ? { bootChains } : {}),
    bytesRead: image.bytesRead,
  };
}

function bootFields(boot: BootSetup) {
  return {
    eltorito: boot.eltorito.map((e) => ({
      platform: e.platform,
      bootable: e.bootable,
      emulation: e.emulation,
      loadSectors: e.loadSectors,
      lba: e.lba,
      path: e.path,
      partition: e.partition,
      bootInfoTable: e.bootInfoTable,
      grub2BootInfo: e.grub2BootInfo,
    })),
    bootCatalog: boot.catalogPath,
    mbrBootCode: boot.mbr?.bootCode ?? null,
    protectiveMbr: boot.mbr?.protective ?? false,
    mbr: (boot.mbr?.partitions ?? []).map(({ index, bootable, type, start, sectors }) => ({
      index,
      bootable,
      type,
      start,
      sectors,
    })),
    gpt: boot.gpt
      ? {
          diskGuid: boot.gpt.header.diskGuid,
          partitions: boot.gpt.partitions.map(
            ({ index, typeGuid, typeName, guid, name, start, sectors, attributes }) => ({
              index,
              typeGuid,
              typeName,
              guid,
              name,
              start,
              sectors,
              attributes,
            }),
          ),
        }
      : null,
    apm: boot.apm,
    emulatedToc: boot.emulatedToc,
  };
}

/**
 * The menus a boot loader shows: the entry points (grub.cfg, isolinux.cfg, ...) and the files they
 * include that hold entries or a timeout (live-build's live.cfg, config.cfg); not theme scripts.
 */
async function readMenus(image: IsoImage, paths: readonly string[]): Promise<BootMenu[]> {
  const menus: BootMenu[] = [];
  for (const file of findMenuFiles(paths)) {
    const text = await image.readText(file.path);
    if (text === null) continue;
    const menu = parseMenu(file.path, file.loader, text);
    const assignsTimeout =
      file.loader === 'grub' ? /^\s*set\s+timeout=/m.test(text) : /^\s*timeout\s+\d/im.test(text);
    if (isMenuEntryPoint(file.path) || menu.entries.length || assignsTimeout) menus.push(menu);
  }
  return menus;
}
