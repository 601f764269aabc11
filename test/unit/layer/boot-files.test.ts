import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layoutNamed, type MediumLayout } from '../../../src/distro/layouts/index.ts';
import type { IsoReport } from '../../../src/inspect/inspect.ts';
import { bootFilesOf, saveLiveBootFiles } from '../../../src/layer/boot-files.ts';

const INSTALLER = 'ubuntu-server-minimal.ubuntu-server.installer';
const UBUNTU = [
  'ubuntu-server-minimal',
  'ubuntu-server-minimal.ubuntu-server',
  INSTALLER,
  `${INSTALLER}.generic`,
  `${INSTALLER}.generic-hwe`,
];
const UUIDS = { generic: 'uuid-of-initrd', hwe: 'uuid-of-hwe-initrd' };

/** 22.04.5's two entries (grub.cfg and loopback.cfg), each with its chain as readBootChains reads it. */
function chainsOf(): NonNullable<IsoReport['bootChains']> {
  const entries = [
    { kernel: '/casper/vmlinuz', initrd: '/casper/initrd', uuid: UUIDS.generic, top: `${INSTALLER}.generic` },
    {
      kernel: '/casper/hwe-vmlinuz',
      initrd: '/casper/hwe-initrd',
      uuid: UUIDS.hwe,
      top: `${INSTALLER}.generic-hwe`,
    },
  ];
  return ['/boot/grub/grub.cfg', '/boot/grub/loopback.cfg'].flatMap((menu) =>
    entries.map((entry) => ({
      menu,
      title: entry.top,
      kernel: entry.kernel,
      initrd: entry.initrd,
      uuid: entry.uuid,
      source: 'initrd' as const,
      layer: entry.top,
      chain: [...UBUNTU.slice(0, 3), entry.top],
    })),
  );
}

function reportOf(layout: 'casper' | 'live', names: string[], bootChains: IsoReport['bootChains']) {
  const dir = layout === 'casper' ? '/casper' : '/live';
  return {
    bootChains,
    layers: names.map((name) => ({ name })) as IsoReport['layers'],
    kernels: [`${dir}/vmlinuz`],
    initrds: [`${dir}/initrd`],
  };
}

const strategy = (name: 'casper' | 'live') => layoutNamed(name) as MediumLayout;

describe('bootFilesOf', () => {
  it('gives each kernel layer of 22.04.5 the pair its menu entries boot, and no other layer any', () => {
    const report = reportOf('casper', UBUNTU, chainsOf());
    expect(UBUNTU.map((name) => bootFilesOf(name, report, strategy('casper')))).toEqual([
      [],
      [],
      [],
      [{ kernel: '/casper/vmlinuz', initrd: '/casper/initrd', uuid: UUIDS.generic }],
      [{ kernel: '/casper/hwe-vmlinuz', initrd: '/casper/hwe-initrd', uuid: UUIDS.hwe }],
    ]);
  });

  it("gives a Debian live medium's single filesystem layer the medium's first pair", () => {
    expect(bootFilesOf('filesystem', reportOf('live', ['filesystem'], []), strategy('live'))).toEqual([
      { kernel: '/live/vmlinuz', initrd: '/live/initrd', uuid: null },
    ]);
  });
});

describe('saveLiveBootFiles', () => {
  let upper: string;
  let notices: string[];
  beforeEach(async () => {
    upper = await mkdtemp(join(tmpdir(), 'isoforge-boot-files-'));
    notices = [];
    await mkdir(join(upper, 'boot'));
    for (const version of ['5.15.0-119-generic', '5.15.0-9-generic']) {
      await writeFile(join(upper, 'boot', `vmlinuz-${version}`), `kernel ${version}`);
      await writeFile(join(upper, 'boot', `initrd.img-${version}`), `initrd ${version}`);
    }
  });
  afterEach(() => rm(upper, { recursive: true, force: true }));

  const save = (layer: string, liveBootScripts: boolean, changed: string[]) =>
    saveLiveBootFiles({
      layer,
      boots: bootFilesOf(layer, reportOf('casper', UBUNTU, chainsOf()), strategy('casper')),
      upper,
      liveBootScripts,
      changed,
      outDir: join(upper, 'out'),
      notice: (line) => notices.push(line),
    });

  it('copies the newest kernel the build installed into the HWE kernel layer, for its own pair', async () => {
    const changed = ['/boot/vmlinuz-5.15.0-9-generic', '/boot/vmlinuz-5.15.0-119-generic'];
    const files = await save(`${INSTALLER}.generic-hwe`, true, changed);
    expect(files).toMatchObject({
      version: '5.15.0-119-generic',
      isoKernel: '/casper/hwe-vmlinuz',
      isoInitrd: '/casper/hwe-initrd',
      replacedUuid: UUIDS.hwe,
    });
    expect(await readFile(files?.initrd ?? '', 'utf8')).toBe('initrd 5.15.0-119-generic');
    expect(notices).toEqual([
      `kernel 5.15.0-119-generic of ${INSTALLER}.generic-hwe replaces /casper/hwe-vmlinuz and /casper/hwe-initrd`,
    ]);
  });

  it('ignores kernels the build did not change', async () => {
    expect(await save(UBUNTU[3] as string, true, ['/etc/hostname'])).toBeUndefined();
    expect(notices).toEqual([]);
  });

  it('leaves the medium alone, with a notice, for a layer no entry boots (the installer layer, under both kernel layers)', async () => {
    expect(await save(INSTALLER, true, ['/boot/vmlinuz-5.15.0-9-generic'])).toBeUndefined();
    expect(notices[0]).toMatch(
      /installed in ubuntu-server-minimal.ubuntu-server.installer; the medium itself still boots/,
    );
  });

  it('keeps the medium initrd when the new one could not boot a live medium', async () => {
    expect(await save(UBUNTU[3] as string, false, ['/boot/vmlinuz-5.15.0-9-generic'])).toBeUndefined();
    expect(notices[0]).toMatch(/no casper\/live-boot scripts, \/casper\/initrd is kept/);
  });
});
