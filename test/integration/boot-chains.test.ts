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

/** A file of one of the ISO's initrds, as xorriso, zcat and cpio read it. */
async function initrdMember(iso: string, initrd: string, member: string): Promise<string> {
  const local = join(dir, `${initrd.replaceAll('/', '_')}`);
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', initrd, local]);
  const { stdout } = await runCommand([
    'sh',
    '-c',
    'zcat "$1" | cpio -i --quiet --to-stdout "$2"',
    'sh',
    local,
    member,
  ]);
  return stdout;
}

// 22.04.5's two entries: each kernel flavour boots the chain of its own kernel layer.
const ENTRIES = [
  {
    title: 'Try or Install Ubuntu Server',
    kernel: '/casper/vmlinuz',
    initrd: '/casper/initrd',
    top: `${INSTALLER}.generic`,
  },
  {
    title: 'Ubuntu Server with the HWE kernel',
    kernel: '/casper/hwe-vmlinuz',
    initrd: '/casper/hwe-initrd',
    top: `${INSTALLER}.generic-hwe`,
  },
];

describe('inspect: the layer chain each menu entry boots', () => {
  it("names each entry's kernel, initrd, casper UUID, where the layer comes from and the chain, as the initrd's conf says", async () => {
    const iso = await ensureSampleIso();
    const run = await runIsoforge(['inspect', iso, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as IsoReport;
    for (const menu of ['/boot/grub/grub.cfg', '/boot/grub/loopback.cfg']) {
      const entries = report.bootMenus.find((m) => m.file === menu)?.entries.filter((e) => e.kernel) ?? [];
      const chains = report.bootChains?.filter((chain) => chain.menu === menu) ?? [];
      expect(chains.map((chain) => chain.title)).toEqual(entries.map((entry) => entry.title));
      expect(chains.map((chain) => chain.title)).toEqual(ENTRIES.map((entry) => entry.title));
      for (const [i, entry] of ENTRIES.entries()) {
        expect(await initrdMember(iso, entry.initrd, 'conf/conf.d/default-layer.conf')).toBe(
          `LAYERFS_PATH=${entry.top}.squashfs\n`,
        );
        expect(chains[i]).toMatchObject({
          kernel: entry.kernel,
          initrd: entry.initrd,
          uuid: (await initrdMember(iso, entry.initrd, 'conf/uuid.conf')).trim(),
          source: 'initrd',
          layer: entry.top,
          chain: ['ubuntu-server-minimal', 'ubuntu-server-minimal.ubuntu-server', INSTALLER, entry.top],
        });
      }
    }
    const text = await runIsoforge(['inspect', iso]);
    for (const entry of ENTRIES)
      expect(text.stdout).toContain(
        `initrd ${entry.initrd}, layers ubuntu-server-minimal -> ubuntu-server-minimal.ubuntu-server -> ${INSTALLER} -> ${entry.top} (the initrd's default-layer.conf)`,
      );
  }, 900_000);
});
