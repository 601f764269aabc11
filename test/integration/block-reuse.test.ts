import {
  appendFile,
  chmod,
  copyFile,
  link,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBlockReuseLayer } from '../../src/layer/repack.ts';
import { indexFiles } from '../../src/squashfs/graft.ts';
import { openSquashfs } from '../../src/squashfs/read.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runMksquashfs, runUnsquashfs, runUnsquashfsStat } from '../../src/tools/squashfs.ts';
import { runIsoforge } from '../support/cli.ts';
import { layerOffset } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';
import { describeSquashfs, describeTree, withMountedSquashfs } from '../support/squashfs-content.ts';

// The sample's biggest layer: a realistic size (tens of MB, thousands of inodes), xz, 128 KiB blocks.
const LAYER = 'ubuntu-server-minimal';

/** A few changes of every kind a recipe makes, with fixed times so two trees changed alike list alike. */
async function changeLayerTree(root: string): Promise<void> {
  await appendFile(join(root, 'etc/os-release'), 'ISOFORGE_CHANGED=1\n');
  await writeFile(join(root, 'etc/isoforge-new-file'), 'a new file\n'.repeat(1000));
  await unlink(join(root, 'etc/debian_version'));
  await chmod(join(root, 'etc/hostname'), 0o600);
  await link(join(root, 'etc/passwd'), join(root, 'etc/passwd.hardlink'));
  await unlink(join(root, 'etc/os-release'));
  await symlink('../usr/lib/os-release', join(root, 'etc/os-release'));
  await runCommand(['setfattr', '-n', 'user.isoforge', '-v', 'yes', join(root, 'etc/issue')]);
  // A folder emptied and made again: overlayfs marks it opaque in the upper dir.
  await rm(join(root, 'etc/update-motd.d'), { recursive: true });
  await mkdir(join(root, 'etc/update-motd.d'));
  await writeFile(join(root, 'etc/update-motd.d/99-isoforge'), '#!/bin/sh\n');
  const touched = [
    'etc/isoforge-new-file',
    'etc/os-release',
    'etc/update-motd.d/99-isoforge',
    'etc/update-motd.d',
    'etc',
  ];
  await runCommand(['touch', '-h', '-d', '@1700000000', ...touched.map((path) => join(root, path))]);
}

/**
 * The changes made through an overlay over the layer mounted read-only (the upper dir is what a
 * block-reuse build packs), and made again to an unpacked copy of the layer (the reference a full
 * mksquashfs packs: through the overlay a hard link made after copy-up shows two inode numbers).
 */
async function changeLayerTwice(dir: string): Promise<{ upper: string; reference: string }> {
  const lower = join(dir, 'lower');
  const upper = join(dir, 'upper');
  const overlayWork = join(dir, 'work');
  const merged = join(dir, 'merged');
  const reference = join(dir, 'reference');
  for (const folder of [lower, upper, overlayWork, merged]) await mkdir(folder, { recursive: true });
  await runUnsquashfs(iso, reference, { offset });
  await changeLayerTree(reference);
  await runCommand(['mount', '-t', 'squashfs', '-o', `loop,ro,offset=${offset}`, iso, lower]);
  try {
    const options = `lowerdir=${lower},upperdir=${upper},workdir=${overlayWork}`;
    await runCommand(['mount', '-t', 'overlay', '-o', options, 'overlay', merged]);
    try {
      await changeLayerTree(merged);
    } finally {
      await runCommand(['umount', merged]);
    }
  } finally {
    await runCommand(['umount', lower]);
  }
  return { upper, reference };
}

let work: string;
let iso: string;
let offset: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'isoforge-block-reuse-'));
  iso = await ensureSampleIso();
  offset = Number(await layerOffset(iso, LAYER));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('makeBlockReuseLayer on the sample layer', () => {
  it('gives the same content as a full mksquashfs, within 2 % of its size', async () => {
    const { upper, reference } = await changeLayerTwice(join(work, 'overlay'));
    await runCommand(['touch', '-d', '@1700000000', upper, reference]);
    const full = join(work, 'full.squashfs');
    const fullStart = performance.now();
    await runMksquashfs(reference, full, { algorithm: 'xz', blockSize: 131072 });
    const fullSeconds = (performance.now() - fullStart) / 1000;

    const reuse = join(work, 'reuse.squashfs');
    const reuseStart = performance.now();
    await using layer = await openSquashfs(iso, offset);
    const result = await makeBlockReuseLayer({ layer, below: [], upper, out: reuse });
    const reuseSeconds = (performance.now() - reuseStart) / 1000;
    expect(result.changed).toEqual(
      expect.arrayContaining(['/etc/isoforge-new-file', '/etc/os-release', '/etc/passwd.hardlink']),
    );
    expect(result.changed).not.toContain('/etc/debian_version');
    const fileCount = indexFiles(layer.root).size;
    expect(result.reusedFiles).toBeGreaterThan(fileCount - 20);

    const expected = await describeSquashfs(full);
    const actual = await describeSquashfs(reuse);
    expect(actual.listing).toEqual(expected.listing);
    expect(actual.hashes).toEqual(expected.hashes);
    expect(actual.xattrs).toEqual(expected.xattrs);
    expect(actual.hardLinks).toEqual(expected.hardLinks);
    expect(actual.hardLinks.join('\n')).toContain('/etc/passwd /etc/passwd.hardlink');
    expect(actual.xattrs).toContain('user.isoforge=0seWVz');
    expect(actual.xattrs).not.toContain('trusted.overlay');

    const reuseStat = await runUnsquashfsStat(reuse);
    const fullStat = await runUnsquashfsStat(full);
    expect(reuseStat).toMatchObject({ compression: 'xz', blockSize: 131072, inodes: fullStat.inodes });
    const ratio = reuseStat.bytesUsed / fullStat.bytesUsed;
    console.log(
      [
        `block reuse: ${reuseStat.bytesUsed} bytes in ${reuseSeconds.toFixed(1)}s; full mksquashfs: ${fullStat.bytesUsed} bytes in ${fullSeconds.toFixed(1)}s; ratio ${ratio.toFixed(4)}`,
        `reused ${result.reusedFiles} of ${fileCount} files; delta image ${result.deltaBytes} bytes; copied ${result.write.copiedDataBytes} data bytes`,
        `metadata ${result.write.metadataBytes} bytes written uncompressed (${result.write.metadataRawBytes} raw)`,
        `original fragment blocks kept: ${result.fragments.blocks} (${result.fragments.bytes} bytes), of which mixed with dead tails: ${result.fragments.mixedBlocks} (${result.fragments.mixedBytes} bytes)`,
      ].join('\n'),
    );
    expect(Math.abs(ratio - 1)).toBeLessThan(0.02);

    const mounted = await withMountedSquashfs(reuse, describeTree);
    expect(mounted).toEqual({
      hashes: expected.hashes,
      xattrs: expected.xattrs,
      hardLinks: expected.hardLinks,
    });
  }, 900_000);
});

interface SampleDiff {
  differences: string[];
  files: { added: unknown[]; removed: unknown[]; changed: { path: string }[] };
  layers: {
    name: string;
    changes: { field: string }[];
    packages: { added: { name: string }[]; removed: unknown[]; upgraded: unknown[] };
    files: { added: string[]; removed: string[]; changed: { path: string }[] };
  }[];
}

/** `isoforge diff` of the sample and this remaster names exactly what examples/sample.yaml changed. */
async function expectDiffOfSampleRemaster(input: string, output: string): Promise<void> {
  const run = await runIsoforge(['diff', input, output, '--json']);
  expect(run.exitCode).toBe(1);
  const diff = JSON.parse(run.stdout) as SampleDiff;
  expect(diff.differences).toEqual(['volume', 'files', 'layers']);
  const top = 'ubuntu-server-minimal.ubuntu-server';
  expect(diff.files.changed.map((f) => f.path)).toEqual([
    '/casper/install-sources.yaml',
    `/casper/${top}.manifest`,
    `/casper/${top}.size`,
    `/casper/${top}.squashfs`,
    '/md5sum.txt',
  ]);
  expect([diff.files.added, diff.files.removed]).toEqual([[], []]);
  expect(diff.layers.map((l) => l.name)).toEqual([top]);
  const [layer] = diff.layers;
  expect(layer?.changes.map((c) => c.field)).toContain('sizeBytes');
  expect(layer?.packages.added.map((p) => p.name)).toEqual(['tree']);
  expect([layer?.packages.removed, layer?.packages.upgraded]).toEqual([[], []]);
  expect(layer?.files.added).toEqual(
    expect.arrayContaining(['/etc/sysctl.d/50-oem.conf', '/etc/oem-tree-version', '/usr/bin/tree']),
  );
  expect(layer?.files.removed).toEqual([]);
  expect(layer?.files.changed.map((f) => f.path)).toContain('/etc/isoforge-release');
}

describe('isoforge build of examples/sample.yaml (block reuse, the default)', () => {
  it('makes a layer with the content a full mksquashfs of it has, the result boots, and diff names what changed', async () => {
    const dir = join(work, 'build');
    await mkdir(join(dir, 'files'), { recursive: true });
    await copyFile('examples/files/50-oem.conf', join(dir, 'files/50-oem.conf'));
    const example = await readFile('examples/sample.yaml', 'utf8');
    const recipe = example
      .replace(/^input: .*$/m, `input: ${iso}`)
      .replace(/^output: .*$/m, 'output: out/sample-oem.iso')
      .replace(/^ {2}boot: .*$/m, '  boot: [bios/cdrom]');
    await writeFile(join(dir, 'sample.yaml'), recipe);
    const run = await runIsoforge(['build', join(dir, 'sample.yaml'), '--workdir', join(dir, 'work')]);
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/block reuse: blocks of \d+ unchanged files copied/);
    const log = (run.stdout + run.stderr).split('\n');
    console.log(log.filter((line) => /block reuse|boot|packed in/i.test(line)).join('\n'));
    expect(log.join('\n')).toMatch(/✔ boot-test bios\/cdrom/);

    const output = join(dir, 'out/sample-oem.iso');
    const layer = 'ubuntu-server-minimal.ubuntu-server';
    const reused = await describeSquashfs(output, Number(await layerOffset(output, layer)));
    const unpacked = join(dir, 'unpacked');
    await runUnsquashfs(output, unpacked, { offset: Number(await layerOffset(output, layer)) });
    const full = join(dir, 'full.squashfs');
    await runMksquashfs(unpacked, full, { algorithm: 'xz', blockSize: 131072 });
    const expected = await describeSquashfs(full);
    expect(reused.listing).toEqual(expected.listing);
    expect(reused.hashes).toEqual(expected.hashes);
    expect(reused.xattrs).toEqual(expected.xattrs);
    expect(reused.hashes['/etc/isoforge-release']).toBeDefined();
    await expectDiffOfSampleRemaster(iso, output);
  }, 1_800_000);
});
