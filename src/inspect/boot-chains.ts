import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BootChain,
  parseDefaultLayerConf,
  parseLayerfsPath,
  resolveBootChain,
} from '../distro/boot-chain.ts';
import { readInitrdMembers } from '../distro/initrd.ts';
import type { IsoImage } from '../iso/image.ts';
import { removeTree } from '../safety/remove.ts';
import type { LayoutInfo } from './layout.ts';
import type { BootMenu } from './menus.ts';

/** Where livecd-rootfs puts the layer an initrd boots (LAYERFS_PATH=...squashfs). */
const DEFAULT_LAYER_CONF = 'conf/conf.d/default-layer.conf';
/** The casper UUID the initrd expects on its medium (.disk/casper-uuid-*). */
const UUID_CONF = 'conf/uuid.conf';

/** One menu entry's boot: its kernel and initrd, and the layers casper stacks for it. */
export interface EntryBootChain extends BootChain {
  menu: string;
  title: string;
  kernel: string;
  initrd: string | null;
  /** The casper UUID the initrd expects on the medium (its conf/uuid.conf), null when it has none. */
  uuid: string | null;
  /** Why the initrd's conf could not be read (the chain is then what the command line says, else all layers). */
  initrdError?: string;
}

/**
 * For each entry of a casper medium's menus that boots a kernel: the layer chain it mounts
 * (distro/boot-chain.ts), its initrd's conf/conf.d/default-layer.conf read out of the ISO (the early
 * microcode archives skipped, the main one decompressed), each initrd once. Other media: none.
 */
export async function readBootChains(
  image: IsoImage,
  report: Pick<LayoutInfo, 'layout' | 'layers'> & { bootMenus: readonly BootMenu[] },
): Promise<EntryBootChain[]> {
  if (report.layout !== 'casper') return [];
  const names = report.layers.map((layer) => layer.name);
  const confs = new Map<string, Promise<InitrdConf>>();
  const readConf = (initrd: string) => {
    if (!confs.has(initrd)) {
      const conf = readInitrdConf(image, initrd);
      conf.catch(() => undefined); // awaited in the entries' order below, which reports a failure
      confs.set(initrd, conf);
    }
    return confs.get(initrd) as Promise<InitrdConf>;
  };
  // Every initrd is decompressed at once (a zstd each; two cores): Ubuntu's medium has two.
  for (const menu of report.bootMenus)
    for (const entry of menu.entries)
      if (entry.kernel && entry.initrd) void readConf(isoPathOf(entry.initrd));
  const chains: EntryBootChain[] = [];
  for (const menu of report.bootMenus)
    for (const entry of menu.entries) {
      if (!entry.kernel) continue;
      const initrd = entry.initrd ? isoPathOf(entry.initrd) : null;
      const conf = initrd ? await readConf(initrd) : { layer: null, uuid: null };
      const chain = resolveBootChain(parseLayerfsPath(entry.cmdline ?? ''), conf.layer, names);
      const error = conf.error ? { initrdError: conf.error } : {};
      const kernel = isoPathOf(entry.kernel);
      chains.push({
        menu: menu.file,
        title: entry.title,
        kernel,
        initrd,
        uuid: conf.uuid,
        ...chain,
        ...error,
      });
    }
  return chains;
}

/** The first file of a menu's kernel or initrd as an ISO path: GRUB's `($root)` device prefix dropped. */
function isoPathOf(initrd: string): string {
  const first = initrd.trim().split(/[\s,]+/)[0] ?? '';
  const path = first.replace(/^\([^)]*\)/, '');
  return path.startsWith('/') ? path : `/${path}`;
}

interface InitrdConf {
  layer: string | null;
  uuid: string | null;
  error?: string;
}

async function readInitrdConf(image: IsoImage, initrd: string): Promise<InitrdConf> {
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-initrd-'));
  try {
    const bytes = await image.readFile(initrd);
    const found = await readInitrdMembers(bytes, initrd, [DEFAULT_LAYER_CONF, UUID_CONF], dir);
    const text = (path: string) => {
      const data = found.get(path);
      return data ? new TextDecoder().decode(data) : null;
    };
    const layerConf = text(DEFAULT_LAYER_CONF);
    return {
      layer: layerConf === null ? null : parseDefaultLayerConf(layerConf),
      uuid: text(UUID_CONF)?.trim() || null,
    };
  } catch (error) {
    return { layer: null, uuid: null, error: (error as Error).message };
  } finally {
    await removeTree(dir, { within: tmpdir() });
  }
}
