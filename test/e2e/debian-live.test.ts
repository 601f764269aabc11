import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Firmware, type Media, runBootTest } from '../../src/boottest/index.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { makeTestDeb } from '../support/deb.ts';
import { suiteLiveBuildIsos } from '../support/fixtures.ts';
import type { BootMode } from '../support/live-build-configs.ts';
import { LIVE_MARKER_PREFIX } from '../support/live-build.ts';

// Real Debian live ISOs made by live-build (built by the global set-up before any test file, cached
// by configuration), remastered by `isoforge build`, checked with their own sha256sum.txt and
// booted. The first configuration always; ISOFORGE_LIVE_BUILD=name[,name] or =all adds others
// (support/fixtures.ts). Each boot is its own test, with a timeout
// longer than a Debian live boot to systemd under QEMU without KVM on a busy machine (185 s measured).
const BUILD_TIMEOUT = 1_200_000;
const BOOT_SECONDS = 420;
const RELEASE = 'isoforge-debian-live';
const OEM_ARGUMENT = 'isoforge.oem=fleet-a';
// Waited for at collection, with no bound: the global set-up builds them beside the other tests.
const fixtures = await suiteLiveBuildIsos();

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Extracts the whole ISO tree and runs the medium's own `sha256sum -c sha256sum.txt` in it. Every
 * line must pass but those of El Torito images xorriso patches when it writes (live-build lists
 * boot/grub/grub_eltorito with grub-pc: wrong on the fixture itself, and on every rewrite).
 */
async function checkSha256sums(iso: string, dir: string): Promise<string> {
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/', dir]);
  const { stdout } = await runCommand(['sha256sum', '--check', '--strict', 'sha256sum.txt'], {
    cwd: dir,
    okExitCodes: [1],
  });
  const patched = (await inspectIso(iso)).eltorito
    .filter((entry) => entry.bootInfoTable && entry.path)
    .map((entry) => `.${entry.path}: FAILED`);
  const failed = stdout
    .split('\n')
    .filter((line) => line.endsWith(': FAILED') || line.includes('FAILED open'));
  expect(failed.filter((line) => !patched.includes(line))).toEqual([]);
  return stdout;
}

function bootMarker(release: string): RegExp {
  return new RegExp(`${LIVE_MARKER_PREFIX}${release} kernel=\\S+`);
}

async function bootLive(iso: string, mode: BootMode, release: string, logDir: string) {
  const [firmware, media] = mode.split('/') as [Firmware, Media];
  const result = await runBootTest({
    iso,
    firmware,
    media,
    expect: bootMarker(release),
    timeoutSeconds: BOOT_SECONDS,
    logDir,
  });
  return { ...result, report: `${result.logFile}\n${result.tail.join('\n')}` };
}

describe.each(fixtures)('Debian live from live-build ($config.name)', ({ config, iso }) => {
  let dir: string;
  let input: string;
  let output: string;

  beforeAll(async () => {
    input = iso;
    dir = await mkdtemp(join(tmpdir(), `isoforge-live-${config.name}-`));
    output = join(dir, 'out/remastered.iso');
    await mkdir(join(dir, 'files'));
    await writeFile(join(dir, 'files/isoforge-release'), `${RELEASE}\n`);
    await mkdir(join(dir, 'debs'));
    await makeTestDeb(join(dir, 'debs'), 'isoforge-live-driver', '1.0', {
      path: 'usr/share/isoforge-live-driver/firmware.bin',
      content: 'firmware\n',
    });
  }, BUILD_TIMEOUT);

  it('the fixture is a Debian live medium whose sha256sum.txt checks', async () => {
    await using image = await IsoImage.open(input);
    expect(await image.readText('/live/filesystem.packages')).toMatch(/^live-boot\t/m);
    expect(await checkSha256sums(input, join(dir, 'fixture-tree'))).toMatch(
      /^\.\/live\/filesystem\.squashfs: OK$/m,
    );
  });

  // A configuration has one of these two facts; only that one is declared (nothing is skipped).
  const fixtureBoot = config.stockMenus ? undefined : it;
  const stockMenus = config.stockMenus ? it : undefined;
  fixtureBoot?.(
    'the fixture boots unattended (BIOS, CD) and its marker reports no release file',
    async () => {
      const result = await bootLive(input, 'bios/cdrom', 'none', join(dir, 'boot-fixture'));
      expect(result.matched, result.report).toMatch(bootMarker('none'));
    },
    BUILD_TIMEOUT,
  );

  stockMenus?.("the fixture's stock menus have no timeout: unattended, it would wait forever", async () => {
    const { bootMenus } = await inspectIso(input);
    const withEntries = bootMenus.filter((menu) => menu.entries.length);
    expect(withEntries.length).toBeGreaterThan(0);
    expect(bootMenus.map((menu) => menu.timeoutSeconds).filter((seconds) => seconds !== null)).toEqual([]);
  });

  it(
    'isoforge build adds a file, a local .deb and an archive package, and verifies',
    async () => {
      const inputSha = await sha256(input);
      const recipe = join(dir, 'live.yaml');
      await writeFile(
        recipe,
        `input: ${input}
output: out/remastered.iso
layers:
  filesystem:
    steps:
      - copy: { src: files/isoforge-release, dest: /etc/isoforge-release, mode: "0644" }
      - debs: [debs/isoforge-live-driver_1.0_all.deb]
      - apt: { install: [tree] }
iso:
  menu: { timeout: 3 }
  cmdline:
    add: ['console=ttyS0,115200', ${OEM_ARGUMENT}]
    remove: [quiet, splash]
`,
      );
      const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work')], {
        timeoutMs: BUILD_TIMEOUT,
      });
      expect(run.exitCode, run.stderr + run.stdout).toBe(0);
      expect((await runIsoforge(['verify', output, '--original', input])).exitCode).toBe(0);
      expect(await sha256(input)).toBe(inputSha);
    },
    BUILD_TIMEOUT,
  );

  it('the remastered medium lists the new packages and its sha256sum.txt checks', async () => {
    await using image = await IsoImage.open(output);
    const packages = (await image.readText('/live/filesystem.packages')) ?? '';
    expect(packages).toMatch(/^isoforge-live-driver\t1\.0$/m);
    expect(packages).toMatch(/^tree\t/m);
    const checked = await checkSha256sums(output, join(dir, 'remastered-tree'));
    expect(checked).toMatch(/^\.\/live\/filesystem\.squashfs: OK$/m);
  });

  it('the remastered menus wait 3 s and boot the live kernel with the new arguments', async () => {
    const { bootMenus } = await inspectIso(output);
    expect(bootMenus.map((menu) => menu.timeoutSeconds)).toContain(3);
    const liveEntries = bootMenus
      .flatMap((menu) => menu.entries)
      .filter((e) => e.kernel?.startsWith('/live/'));
    expect(liveEntries.length).toBeGreaterThan(0);
    for (const entry of liveEntries) {
      expect(entry.cmdline).toContain(OEM_ARGUMENT);
      expect(entry.cmdline?.split(/\s+/)).not.toContain('quiet');
    }
  });

  // Two boots at once (vitest maxConcurrency): one QEMU per core.
  it.concurrent.each(config.bootModes)(
    'the remastered medium boots unattended (%s): the kernel shows the new argument, the system the new release file',
    async (mode) => {
      const result = await bootLive(output, mode, RELEASE, join(dir, 'boot-remastered'));
      expect(result.matched, result.report).toMatch(bootMarker(RELEASE));
      const serial = await readFile(result.logFile, 'utf8');
      expect(serial).toMatch(new RegExp(`Command line: .*\\b${OEM_ARGUMENT.replace('.', '\\.')}\\b`));
    },
    BUILD_TIMEOUT,
  );
});
