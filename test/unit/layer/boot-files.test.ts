import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layoutNamed, type MediumLayout } from '../../../src/distro/layouts/index.ts';
import type { LayoutInfo } from '../../../src/inspect/layout.ts';
import { isLiveBootLayer, saveLiveBootFiles } from '../../../src/layer/boot-files.ts';

const UBUNTU = [
  'ubuntu-server-minimal',
  'ubuntu-server-minimal.ubuntu-server',
  'ubuntu-server-minimal.ubuntu-server.installer',
];

function layoutOf(layout: 'casper' | 'live', names: string[]): LayoutInfo {
  const dir = layout === 'casper' ? '/casper' : '/live';
  return {
    layout,
    diskInfo: null,
    layers: names.map((name) => ({
      name,
      path: `${dir}/${name}.squashfs`,
      sizeBytes: 0,
      lba: 0,
      superblock: null,
      manifest: true,
      recordedSize: null,
      signature: false,
      signaturePath: null,
      chain: [],
    })),
    layerChains: [],
    installSources: [],
    kernels: [`${dir}/vmlinuz`],
    initrds: [`${dir}/initrd`],
    md5sums: true,
    checksumFiles: ['/md5sum.txt'],
    uuidFiles: [],
  };
}

const strategy = (name: 'casper' | 'live') => layoutNamed(name) as MediumLayout;

describe('isLiveBootLayer', () => {
  it('is the installer layer of a casper medium, and no layer below it', () => {
    const layout = layoutOf('casper', UBUNTU);
    expect(UBUNTU.map((name) => isLiveBootLayer(name, strategy('casper'), layout))).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("is a Debian live medium's single filesystem layer", () => {
    expect(isLiveBootLayer('filesystem', strategy('live'), layoutOf('live', ['filesystem']))).toBe(true);
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
      layout: strategy('casper'),
      medium: layoutOf('casper', UBUNTU),
      upper,
      liveBootScripts,
      changed,
      outDir: join(upper, 'out'),
      notice: (line) => notices.push(line),
    });

  it('copies the newest kernel the build installed into the installer layer, for casper/', async () => {
    const changed = ['/boot/vmlinuz-5.15.0-9-generic', '/boot/vmlinuz-5.15.0-119-generic'];
    const files = await save(UBUNTU[2] as string, true, changed);
    expect(files).toMatchObject({ version: '5.15.0-119-generic', isoKernel: '/casper/vmlinuz' });
    expect(await readFile(files?.initrd ?? '', 'utf8')).toBe('initrd 5.15.0-119-generic');
    expect(notices).toEqual([
      'kernel 5.15.0-119-generic of ubuntu-server-minimal.ubuntu-server.installer replaces /casper/vmlinuz and /casper/initrd',
    ]);
  });

  it('ignores kernels the build did not change', async () => {
    expect(await save(UBUNTU[2] as string, true, ['/etc/hostname'])).toBeUndefined();
    expect(notices).toEqual([]);
  });

  it('leaves the medium alone, with a notice, for a layer it does not boot', async () => {
    expect(await save(UBUNTU[1] as string, true, ['/boot/vmlinuz-5.15.0-9-generic'])).toBeUndefined();
    expect(notices[0]).toMatch(
      /installed in ubuntu-server-minimal.ubuntu-server; the medium itself still boots/,
    );
  });

  it('keeps the medium initrd when the new one could not boot a live medium', async () => {
    expect(await save(UBUNTU[2] as string, false, ['/boot/vmlinuz-5.15.0-9-generic'])).toBeUndefined();
    expect(notices[0]).toMatch(/no casper\/live-boot scripts, \/casper\/initrd is kept/);
  });
});
