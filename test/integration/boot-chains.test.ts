import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsoReport } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const INSTALLER = 'ubuntu-server-minimal.ubuntu-server.installer';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-boot-chains-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** conf/conf.d/default-layer.conf of the ISO's initrd, as xorriso, zcat and cpio read it. */
async function defaultLayerConf(iso: string, initrd: string): Promise<string> {
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', initrd, join(dir, 'initrd')]);
  const { stdout } = await runCommand([
    'sh',
    '-c',
    'zcat "$1" | cpio -i --quiet --to-stdout conf/conf.d/default-layer.conf',
    'sh',
    join(dir, 'initrd'),
  ]);
  return stdout;
}

describe('inspect: the layer chain each menu entry boots', () => {
  it("names the kernel, the initrd, where the layer comes from and the chain, as the initrd's conf says", async () => {
    const iso = await ensureSampleIso();
    const run = await runIsoforge(['inspect', iso, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as IsoReport;
    const grub = report.bootMenus.find((menu) => menu.file === '/boot/grub/grub.cfg');
    const booting = grub?.entries.filter((entry) => entry.kernel) ?? [];
    const chains = report.bootChains?.filter((chain) => chain.menu === '/boot/grub/grub.cfg') ?? [];
    expect(chains.map((chain) => chain.title)).toEqual(booting.map((entry) => entry.title));
    expect(await defaultLayerConf(iso, '/casper/initrd')).toBe(`LAYERFS_PATH=${INSTALLER}.squashfs\n`);
    for (const chain of chains)
      expect(chain).toMatchObject({
        kernel: '/casper/vmlinuz',
        initrd: '/casper/initrd',
        source: 'initrd',
        layer: INSTALLER,
        chain: ['ubuntu-server-minimal', 'ubuntu-server-minimal.ubuntu-server', INSTALLER],
      });
    const text = await runIsoforge(['inspect', iso]);
    expect(text.stdout).toContain(
      `initrd /casper/initrd, layers ubuntu-server-minimal -> ubuntu-server-minimal.ubuntu-server -> ${INSTALLER} (the initrd's default-layer.conf)`,
    );
  }, 900_000);
});
