import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCopyWithoutElToritoEfi } from '../../src/boottest/esp-only.ts';
import { runBootTest } from '../../src/boottest/index.ts';
import type { IsoChanges } from '../../src/output/changes.ts';
import { writeIso } from '../../src/output/write-iso.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runXorriso } from '../../src/tools/xorriso.ts';
import { BOOKWORM_HYBRID, ensureLiveBuildIso } from '../support/live-build.ts';
import { PACKAGED_ISOS } from '../support/packaged-isos.ts';
import { ensureSampleIso } from '../support/sample.ts';

// Issue 24: a large new file is put in place by isoforge, not copied by xorriso. The reference is
// xorriso itself: the same changes written by xorriso alone, with the file placed last as the
// splice places it. Where the file lands on the same block, the two ISOs are the same bytes; where
// the file system's 4 KiB blocks put it one ISO block later, xorriso still reads every file back,
// sfdisk and fdisk find the partition tables whole, and the result boots.

const EPOCH = 1_700_000_000;
const SAMPLE_LAYER = '/casper/ubuntu-server-minimal.squashfs';
const SAMPLE_RELEASE = /ISOFORGE-SAMPLE-BOOT ok release=ubuntu-server-minimal\.ubuntu-server/;
const BOOT_TIMEOUT = 240_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-splice-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sha256(path: string, start = 0, length?: number): Promise<string> {
  const hash = createHash('sha256');
  const end = length === undefined ? undefined : start + length - 1;
  for await (const chunk of createReadStream(path, { start, end })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function md5(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The md5 of PATH read from a descriptor opened now, a MiB every 20 ms: a hash of the layer still under way. */
async function md5Slowly(path: string): Promise<string> {
  await using handle = await open(path, 'r');
  const hash = createHash('md5');
  const buffer = Buffer.alloc(2 ** 20);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length);
    if (!bytesRead) return hash.digest('hex');
    hash.update(buffer.subarray(0, bytesRead));
    await sleep(20);
  }
}

/** Each file of ISO as xorriso lists it: path, first block, size. */
async function filesOf(iso: string): Promise<Map<string, { lba: number; size: number }>> {
  const out = await runXorriso(['-indev', iso, '-find', '/', '-type', 'f', '-exec', 'report_lba']);
  const files = new Map<string, { lba: number; size: number }>();
  for (const match of out.matchAll(/File data lba:\s*\d+ ,\s*(\d+) ,\s*\d+ ,\s*(\d+) , '(.*)'/g))
    files.set(match[3] ?? '', { lba: Number(match[1]), size: Number(match[2]) });
  return files;
}

/** xorriso's own account of the boot setup, every number taken out (positions move by a block). */
async function bootSetupShape(iso: string): Promise<string[]> {
  const { stdout } = await runCommand(
    ['xorriso', '-indev', iso, '-report_el_torito', 'plain', '-report_system_area', 'plain'],
    { okExitCodes: [32] },
  );
  return stdout
    .split('\n')
    .filter((line) => /^(El Torito|System area|MBR|GPT|Boot record)/.test(line))
    .map((line) => line.replace(/[0-9a-f]{2,}|\d+/g, 'N'));
}

/** sfdisk's and fdisk's verdict on the partition tables, where the ISO has any. */
async function partitionTableComplaints(iso: string): Promise<string[]> {
  const verify = await runCommand(['sfdisk', '--verify', iso], { okExitCodes: [1] });
  const fdisk = await runCommand(['fdisk', '-l', iso], { okExitCodes: [1] });
  const said = `${verify.stdout}\n${verify.stderr}\n${fdisk.stderr}`;
  return said.split('\n').filter((line) => /error|corrupt|mismatch|not on the end|invalid/i.test(line));
}

interface Medium {
  name: string;
  iso: () => Promise<string>;
  /** The large file: an existing path replaced by BYTES, or a new one. */
  isoPath: string;
  bytes: (local: string) => Promise<void>;
  /** Why xorriso writes it alone, for a medium the splice does not take. */
  refused?: RegExp;
  bootSetup?: 'replay' | 'explicit';
}

/** The sample's base layer replaced by its own bytes: a medium that still boots. */
const sample: Medium = {
  name: 'the sample (Ubuntu 22.04 layout)',
  iso: () => ensureSampleIso(),
  isoPath: SAMPLE_LAYER,
  bytes: async (local) => {
    await runXorriso(['-osirrox', 'on', '-indev', await ensureSampleIso(), '-extract', SAMPLE_LAYER, local]);
  },
};

const randomFile = (local: string) => writeFile(local, randomBytes(9 * 2 ** 20 + 7));

// ipxe.iso's isohybrid MBR pads the image to a whole cylinder, live-build's has an Apple partition map too.
const REFUSED: Record<string, RegExp> = { '/usr/lib/ipxe/ipxe.iso': /padded to a whole cylinder/ };

/** ISOs other people's tools made: a new 9 MiB file of random bytes is added. */
const others: Medium[] = [
  ...PACKAGED_ISOS.map((packagedIso) => ({
    name: `${basename(packagedIso.path)} (${packagedIso.debianPackage})`,
    iso: async () => packagedIso.path,
    isoPath: '/isoforge-splice.bin',
    bytes: randomFile,
    refused: REFUSED[packagedIso.path],
  })),
  {
    name: "live-build's bookworm-hybrid Debian live ISO",
    iso: () => ensureLiveBuildIso(BOOKWORM_HYBRID),
    isoPath: '/isoforge-splice.bin',
    bytes: randomFile,
    refused: /Apple partition map/,
  },
];

interface Written {
  iso: string;
  said: string[];
}

type Pair = Awaited<ReturnType<typeof writePair>>;
const pairs = new Map<string, Promise<Pair>>();

/** The medium written twice, once per test file: by the splice (A) and by xorriso alone (X). */
function writeBoth(medium: Medium, parity: boolean): Promise<Pair> {
  const key = `${medium.name} ${parity}`;
  let pair = pairs.get(key);
  if (!pair) {
    pair = writePair(medium, parity, `pair-${pairs.size}`);
    pairs.set(key, pair);
  }
  return pair;
}

/** The block the splice put the file on, less the one xorriso did: 0, or 1 where 4 KiB alignment moved it. */
async function blocksLater({ spliced, xorriso }: Pair, isoPath: string): Promise<number> {
  const [a, x] = [await filesOf(spliced.iso), await filesOf(xorriso)];
  return (a.get(isoPath)?.lba ?? Number.NaN) - (x.get(isoPath)?.lba ?? Number.NaN);
}

async function writePair(medium: Medium, parity: boolean, name: string) {
  const at = join(dir, name);
  await mkdir(at, { recursive: true });
  const local = join(at, 'big');
  await medium.bytes(local);
  const replace = [{ isoPath: medium.isoPath, localPath: local }];
  if (parity) {
    // One block more before the file flips which ISO block it lands on.
    await writeFile(join(at, 'parity'), 'one block\n');
    replace.push({ isoPath: '/isoforge-parity.txt', localPath: join(at, 'parity') });
  }
  const changes: IsoChanges = { replace, remove: [] };
  const input = await medium.iso();
  const common = { input, bootSetup: medium.bootSetup ?? 'replay', sourceDateEpoch: EPOCH };
  const spliced: Written = { iso: join(at, 'spliced.iso'), said: [] };
  await writeIso({
    ...common,
    output: spliced.iso,
    changes,
    splice: { isoPath: medium.isoPath, disposable: false },
    say: (line) => spliced.said.push(line),
  });
  // A splice refused leaves the file where xorriso puts it; one taken, where the stand-in was: last.
  const refused = !spliced.said.some((line) => line.includes('put in place'));
  const xorriso = join(at, 'xorriso.iso');
  await writeIso({
    ...common,
    output: xorriso,
    changes: refused ? changes : { ...changes, last: medium.isoPath },
  });
  return { spliced, xorriso, local };
}

/** The guide's explicit boot setup: xorriso's mkisofs emulation rebuilds the boot records from the input's report. */
const sampleExplicit: Medium = { ...sample, name: 'the sample, explicit boot setup', bootSetup: 'explicit' };

describe.each([sample, sampleExplicit, ...others])('a large file put in place on $name', (medium) => {
  it('is what xorriso writes alone, or a block later where 4 KiB alignment asks', async () => {
    const pairs = [await writeBoth(medium, false), await writeBoth(medium, true)];
    if (medium.refused) {
      for (const { spliced, xorriso } of pairs) {
        expect(spliced.said.join('\n')).toMatch(medium.refused);
        expect(await sha256(spliced.iso)).toBe(await sha256(xorriso));
      }
      return;
    }
    const later = await Promise.all(pairs.map((pair) => blocksLater(pair, medium.isoPath)));
    // One extra block before the file flips the stand-in's block between even and odd.
    expect([...later].sort()).toEqual([0, 1]);
    for (const [index, pair] of pairs.entries()) {
      expect(pair.spliced.said.join('\n')).toMatch(/put in place at block \d+, not copied by xorriso/);
      if (later[index] === 0) expect(await sha256(pair.spliced.iso)).toBe(await sha256(pair.xorriso));
      else await expectSameMedium(pair, medium.isoPath);
    }
  }, 120_000);
});

/** A splice whose file landed a block later than xorriso's: every file, the boot setup and the partition tables as xorriso's. */
async function expectSameMedium({ spliced, xorriso, local }: Pair, isoPath: string): Promise<void> {
  const [a, x] = [await filesOf(spliced.iso), await filesOf(xorriso)];
  expect([...a.keys()].sort()).toEqual([...x.keys()].sort());
  for (const [path, file] of x) expect(a.get(path)?.size, path).toBe(file.size);
  const placed = a.get(isoPath);
  expect(await sha256(spliced.iso, (placed?.lba ?? 0) * 2048, placed?.size)).toBe(await sha256(local));
  expect(await bootSetupShape(spliced.iso)).toEqual(await bootSetupShape(xorriso));
  expect(await partitionTableComplaints(spliced.iso)).toEqual(await partitionTableComplaints(xorriso));
}

describe('a splice on the sample', () => {
  it('is taken on the Ubuntu layout, on an even block (4 KiB file system blocks)', async () => {
    for (const parity of [false, true]) {
      const { spliced } = await writeBoth(sample, parity);
      const placed = /put in place at block (\d+)/.exec(spliced.said.join('\n'));
      expect(Number(placed?.[1]) % 2).toBe(0);
      expect((await filesOf(spliced.iso)).get(SAMPLE_LAYER)?.lba).toBe(Number(placed?.[1]));
    }
  });

  it('moves the layer file itself into the output when the build has no more use for it', async () => {
    const { spliced, local } = await writeBoth(sample, false);
    const moved = join(dir, 'moved.iso');
    const again = join(dir, 'moved-layer');
    await copyFile(local, again);
    await writeIso({
      input: await ensureSampleIso(),
      output: moved,
      bootSetup: 'replay',
      sourceDateEpoch: EPOCH,
      changes: { replace: [{ isoPath: SAMPLE_LAYER, localPath: again }], remove: [] },
      splice: { isoPath: SAMPLE_LAYER, disposable: true },
    });
    await expect(access(again)).rejects.toThrow();
    expect(await sha256(moved)).toBe(await sha256(spliced.iso));
  });

  it('moves the layer only once the digests reading it as it was written are done', async () => {
    const { local } = await writeBoth(sample, false);
    const again = join(dir, 'slowly-hashed-layer');
    await copyFile(local, again);
    const output = join(dir, 'slowly-hashed.iso');
    const digests = await writeIso({
      input: await ensureSampleIso(),
      output,
      bootSetup: 'replay',
      sourceDateEpoch: EPOCH,
      changes: { replace: [{ isoPath: SAMPLE_LAYER, localPath: again }], remove: [] },
      listed: [{ isoPath: SAMPLE_LAYER, algorithms: ['md5'] }],
      splice: { isoPath: SAMPLE_LAYER, disposable: true, digests: { md5: md5Slowly(again) } },
    });
    const placed = (await filesOf(output)).get(SAMPLE_LAYER);
    const key = `md5:${placed?.lba}:${placed?.size}`;
    expect(digests.get(key)).toBe(await md5(local));
  });

  it('leaves the layer where it is on a file system that cannot insert a range (tmpfs), and xorriso writes the ISO', async () => {
    const { local } = await writeBoth(sample, false);
    const shm = await mkdtemp('/dev/shm/isoforge-splice-');
    try {
      const said: string[] = [];
      const output = join(shm, 'out.iso');
      const changes: IsoChanges = { replace: [{ isoPath: SAMPLE_LAYER, localPath: local }], remove: [] };
      const common = { input: await ensureSampleIso(), bootSetup: 'replay' as const, sourceDateEpoch: EPOCH };
      await writeIso({
        ...common,
        output,
        changes,
        splice: { isoPath: SAMPLE_LAYER, disposable: true },
        say: (line) => said.push(line),
      });
      expect(said).toEqual([
        `xorriso copies ${SAMPLE_LAYER}: the file system of ${output} cannot insert a range`,
      ]);
      await access(local);
      const reference = join(shm, 'reference.iso');
      await writeIso({ ...common, output: reference, changes });
      expect(await sha256(output)).toBe(await sha256(reference));
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it(
    'boots where the layer moved a block: BIOS from USB (MBR), UEFI from CD (El Torito) and from the GPT EFI partition alone',
    async () => {
      const pairs = [await writeBoth(sample, false), await writeBoth(sample, true)];
      const later = await Promise.all(pairs.map((pair) => blocksLater(pair, SAMPLE_LAYER)));
      expect([...later].sort()).toEqual([0, 1]);
      const iso = (pairs[later.indexOf(1)] as Pair).spliced.iso;
      const espOnly = join(dir, 'esp-only.iso');
      expect(await makeCopyWithoutElToritoEfi(iso, espOnly)).toBe(1);
      const boots = [
        { iso, firmware: 'bios', media: 'usb' },
        { iso, firmware: 'uefi', media: 'cdrom' },
        { iso: espOnly, firmware: 'uefi', media: 'usb' },
      ] as const;
      for (const [index, boot] of boots.entries()) {
        const result = await runBootTest({ ...boot, logDir: join(dir, `boot-logs-${index}`) });
        expect(result.matched, `${boot.firmware}/${boot.media}:\n${result.tail.join('\n')}`).toMatch(
          SAMPLE_RELEASE,
        );
      }
    },
    BOOT_TIMEOUT * 3,
  );
});
