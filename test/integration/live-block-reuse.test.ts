import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIsoforge } from '../support/cli.ts';
import { makeTestDeb } from '../support/deb.ts';
import { suiteLiveBuildIsos } from '../support/fixtures.ts';
import { sha256OfFile, unsquashfsExtract, unsquashfsListing } from '../support/squashfs-compare.ts';
import { runCommand } from '../../src/tools/exec.ts';

// Block reuse (the default repack) on a layer isoforge did not make: live-build's Debian layer,
// mounted from the ISO under an overlay, the changes folded in. `isoforge diff` reads both layers'
// tables and names every path whose entry or data blocks differ, so it shows any stray change.
const TIMEOUT = 1_200_000;

interface LayerDiff {
  name: string;
  files: { added: string[]; removed: string[]; changed: { path: string }[] };
  packages: { added: { name: string }[]; removed: unknown[]; upgraded: unknown[] };
}

// The first fixture, waited for at collection (the global set-up builds it beside other tests).
const [fixture] = await suiteLiveBuildIsos();
if (!fixture) throw new Error('no live-build fixture in this run');
let dir: string;
let input: string;

async function buildAndDiff(name: string, steps: string): Promise<LayerDiff> {
  const recipe = join(dir, `${name}.yaml`);
  await writeFile(
    recipe,
    `input: ${input}\noutput: out/${name}.iso\nlayers:\n  filesystem:\n    steps:\n${steps}`,
  );
  const run = await runIsoforge(['build', recipe, '--workdir', join(dir, `work-${name}`)], {
    timeoutMs: TIMEOUT,
  });
  expect(run.exitCode, run.stderr + run.stdout).toBe(0);
  expect(run.stdout + run.stderr).toMatch(/mounted over the layer in .* \(nothing unpacked\)/);
  const diff = await runIsoforge(['diff', input, join(dir, `out/${name}.iso`), '--json']);
  expect(diff.exitCode).toBe(1);
  const layers = (JSON.parse(diff.stdout) as { layers: LayerDiff[] }).layers;
  expect(layers.map((l) => l.name)).toEqual(['filesystem']);
  return layers[0]!;
}

const LAYER = '/live/filesystem.squashfs';
/** Files of the layer whose bytes are compared before and after: spread over the whole tree. */
const SAMPLED_FILES = 150;

/** The layer's byte offset in ISO, as xorriso reports its extent. */
async function layerOffset(iso: string): Promise<number> {
  const { stdout } = await runCommand(['xorriso', '-indev', iso, '-find', LAYER, '-exec', 'report_lba']);
  const lba = /File data lba:\s*\d+\s*,\s*(\d+)/.exec(stdout)?.[1];
  if (!lba) throw new Error(`xorriso reports no extent for ${LAYER} in ${iso}`);
  return Number(lba) * 2048;
}

/**
 * The layer's `unsquashfs -lln` lines. A directory's size there is the length of its encoded listing
 * in the directory table, which depends on how the writer groups entries under headers, not on the
 * entries: it is blanked for directories (their entries are lines of their own).
 */
async function listLayer(iso: string): Promise<string[]> {
  const lines = await unsquashfsListing(iso, await layerOffset(iso));
  return lines.map((line) => (line.startsWith('d') ? line.replace(/^(\S+ \S+)\s+\d+ /, '$1 - ') : line));
}

/** The path column of an `unsquashfs -lln` line (the last field; sampled names have no spaces). */
function pathOf(line: string): string {
  return line.split(' ').at(-1) ?? '';
}

/** Regular files with plain names from an -lln listing, every Nth, without the squashfs-root/ prefix. */
function sampleFiles(listing: readonly string[]): string[] {
  const files = listing
    .filter((line) => line.startsWith('-'))
    .map((line) => pathOf(line).replace(/^squashfs-root\//, ''))
    .filter((path) => /^[\w./+-]+$/.test(path));
  const step = Math.max(1, Math.floor(files.length / SAMPLED_FILES));
  return files.filter((_, i) => i % step === 0);
}

async function extractLayerFiles(iso: string, paths: readonly string[]): Promise<string> {
  const dest = join(await mkdtemp(join(dir, 'layer-')), 'root');
  await unsquashfsExtract(iso, dest, await layerOffset(iso), [...paths]);
  return dest;
}

async function expectSameFileContents(a: string, b: string, paths: readonly string[]): Promise<void> {
  const [rootA, rootB] = await Promise.all([extractLayerFiles(a, paths), extractLayerFiles(b, paths)]);
  for (const path of paths) {
    expect({ path, sha256: await sha256OfFile(join(rootB, path)) }).toEqual({
      path,
      sha256: await sha256OfFile(join(rootA, path)),
    });
  }
}

beforeAll(async () => {
  input = fixture.iso;
  dir = await mkdtemp(join(tmpdir(), 'isoforge-live-reuse-'));
  await mkdir(join(dir, 'debs'));
  await makeTestDeb(join(dir, 'debs'), 'isoforge-reuse-driver', '1.0', {
    path: 'usr/share/isoforge-reuse-driver/firmware.bin',
    content: 'firmware\n',
  });
}, TIMEOUT);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('block reuse on a live-build Debian layer', () => {
  it(
    'a one-file recipe changes exactly that file',
    async () => {
      const layer = await buildAndDiff('one-file', '      - run: echo fleet-a > /etc/isoforge-release\n');
      expect(layer.files).toEqual({ added: ['/etc/isoforge-release'], removed: [], changed: [] });
      // The same, by unsquashfs and sha256 rather than isoforge's own reader.
      const output = join(dir, 'out/one-file.iso');
      const [before, after] = await Promise.all([listLayer(input), listLayer(output)]);
      const gone = before.filter((line) => !after.includes(line)).map(pathOf);
      const come = after.filter((line) => !before.includes(line)).map(pathOf);
      // Only /etc's own entry may change (its size and time, for the new name in it).
      expect(gone.filter((path) => path !== 'squashfs-root/etc')).toEqual([]);
      expect(come).toEqual([...gone, 'squashfs-root/etc/isoforge-release']);
      await expectSameFileContents(input, output, sampleFiles(before));
      const added = await extractLayerFiles(output, ['etc/isoforge-release']);
      expect(await readFile(join(added, 'etc/isoforge-release'), 'utf8')).toBe('fleet-a\n');
    },
    TIMEOUT,
  );

  it(
    'a local .deb adds its files and dpkg records, nothing of the session',
    async () => {
      const layer = await buildAndDiff('deb', '      - debs: [debs/isoforge-reuse-driver_1.0_all.deb]\n');
      expect(layer.packages.added.map((p) => p.name)).toEqual(['isoforge-reuse-driver']);
      expect(layer.files.added).toEqual(
        expect.arrayContaining([
          '/usr/share/isoforge-reuse-driver/firmware.bin',
          '/var/lib/dpkg/info/isoforge-reuse-driver.list',
        ]),
      );
      const touched = [...layer.files.added, ...layer.files.changed.map((c) => c.path)];
      expect(touched).toContain('/var/lib/dpkg/status');
      // What the chroot session itself writes or copies up is cleaned, not shipped.
      const stray = touched.filter((path) =>
        /^\/(etc\/(resolv\.conf|hostname|machine-id)|tmp\/|run\/|proc\/|var\/cache\/apt\/|usr\/sbin\/policy-rc\.d)/.test(
          path,
        ),
      );
      expect(stray).toEqual([]);
      expect(layer.files.removed).toEqual([]);
    },
    TIMEOUT,
  );
});
