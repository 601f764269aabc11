import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { readMountPoints } from '../../src/safety/mountinfo.ts';
import { runIsoforge } from '../support/cli.ts';
import { makeTestDeb } from '../support/deb.ts';
import { listLayer, readFromLayer } from '../support/layer.ts';
import { oemRecipe } from '../support/oem-recipe.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TOP = 'ubuntu-server-minimal.ubuntu-server';
const TIMEOUT = 600_000;
let dir: string;
let sample: string;
let sampleSha: string;

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function writeRecipe(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const RECIPE = (output: string) => oemRecipe(output);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-build-'));
  sample = join(dir, 'sample.iso');
  await writeFile(sample, await readFile(await ensureSampleIso()));
  sampleSha = await sha256(sample);
  await mkdir(join(dir, 'debs'));
  await makeTestDeb(join(dir, 'debs'), 'isoforge-nic-driver', '1.0', {
    path: 'usr/share/isoforge-nic-driver/firmware.bin',
    content: 'firmware\n',
  });
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/50-oem.conf'), 'net.core.somaxconn = 4096\n');
}, TIMEOUT);

describe('isoforge build on the sample', () => {
  let output: string;

  it(
    'installs a local .deb and an archive package, holds, copies, runs a script, and verifies',
    async () => {
      const recipe = await writeRecipe('oem.yaml', RECIPE('out/oem.iso'));
      const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work'), '--json']);
      expect(run.stderr + run.stdout).not.toMatch(/error/i);
      expect(run.exitCode).toBe(0);
      const report = JSON.parse(run.stdout) as { verify: { ok: boolean } };
      expect(report.verify.ok).toBe(true);
      output = join(dir, 'out/oem.iso');
      expect((await runIsoforge(['verify', output, '--original', sample])).exitCode).toBe(0);
    },
    TIMEOUT,
  );

  it('updates the manifest, .size and install-sources.yaml of the changed layer only', async () => {
    const [before, after] = await Promise.all([inspectIso(sample), inspectIso(output)]);
    await using image = await IsoImage.open(output);
    const manifest = (await image.readText(`/casper/${TOP}.manifest`)) ?? '';
    expect(manifest).toMatch(/^isoforge-nic-driver\t1\.0$/m);
    expect(manifest).toMatch(/^tree\t/m);
    const size = (name: string, r: typeof before) => r.installSources.find((s) => s.id === name)?.size;
    expect(size('ubuntu-server', after)).toBeGreaterThan(size('ubuntu-server', before) ?? Infinity);
    expect(size('ubuntu-server-minimal', after)).toBe(size('ubuntu-server-minimal', before));
    const layer = (name: string, r: typeof before) => r.layers.find((l) => l.name === name);
    expect(layer('ubuntu-server-minimal', after)?.sizeBytes).toBe(
      layer('ubuntu-server-minimal', before)?.sizeBytes,
    );
    expect(layer(TOP, after)?.superblock).toMatchObject({ compression: 'xz', blockSize: 131072 });
    expect(after.mkisofsArgs.length).toBe(before.mkisofsArgs.length);
  });

  it('the changed layer holds the copy with its mode and owner, the held package and /etc/oem-holds', async () => {
    const entries = await listLayer(output, TOP);
    expect(entries.get('/etc/sysctl.d/50-oem.conf')).toBe('-rw-r----- 1234/4321 /etc/sysctl.d/50-oem.conf');
    expect(await readFromLayer(output, TOP, 'etc/sysctl.d/50-oem.conf')).toBe('net.core.somaxconn = 4096\n');
    expect(await readFromLayer(output, TOP, 'etc/oem-holds')).toBe('isoforge-nic-driver\n');
    const status = await readFromLayer(output, TOP, 'var/lib/dpkg/status');
    expect(status).toMatch(/^Package: isoforge-nic-driver\nStatus: hold ok installed$/m);
    expect(status).toMatch(/^Package: tree\nStatus: install ok installed$/m);
    expect(await readFromLayer(output, TOP, 'etc/isoforge-release')).toBe('isoforge-built\n');
  });

  it('leaves the input unchanged and nothing mounted', async () => {
    expect(await sha256(sample)).toBe(sampleSha);
    expect((await readMountPoints()).filter((point) => point.startsWith(dir))).toEqual([]);
  });

  it(
    'boots in BIOS and UEFI and the booted system shows the changed file',
    async () => {
      for (const firmware of ['bios', 'uefi'] as const) {
        const result = await runBootTest({
          iso: output,
          firmware,
          media: 'cdrom',
          logDir: join(dir, 'boot'),
        });
        expect(result.matched, result.tail.join('\n')).toMatch(
          /ISOFORGE-SAMPLE-BOOT ok release=isoforge-built /,
        );
      }
    },
    TIMEOUT,
  );

  it(
    'with --boot-setup explicit also produces an ISO that boots in both modes',
    async () => {
      const recipe = await writeRecipe('explicit.yaml', RECIPE('out/explicit.iso'));
      const run = await runIsoforge([
        'build',
        recipe,
        '--workdir',
        join(dir, 'work'),
        '--boot-setup',
        'explicit',
      ]);
      expect(run.exitCode, run.stderr).toBe(0);
      const explicit = join(dir, 'out/explicit.iso');
      expect((await inspectIso(explicit)).gpt?.partitions.map((p) => p.typeName)).toEqual([
        'Microsoft basic data',
        'EFI System',
        'Microsoft basic data',
      ]);
      for (const firmware of ['bios', 'uefi'] as const) {
        const result = await runBootTest({
          iso: explicit,
          firmware,
          media: 'usb',
          logDir: join(dir, 'boot-explicit'),
        });
        expect(result.matched, result.tail.join('\n')).toMatch(/release=isoforge-built /);
      }
    },
    TIMEOUT,
  );

  it('refuses to overwrite an existing output without --force, exit 2', async () => {
    const recipe = await writeRecipe('again.yaml', RECIPE('out/oem.iso'));
    const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/already exists.*--force/);
  });
});

describe('shadowing', () => {
  it(
    'fails when the change to a lower layer is hidden by a layer above, naming paths and the layer to target',
    async () => {
      const recipe = await writeRecipe(
        'shadowed.yaml',
        `input: sample.iso\noutput: out/shadowed.iso\nlayers:\n  ubuntu-server-minimal:\n    steps:\n      - run: echo changed-too-low > /etc/isoforge-release\n`,
      );
      const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work')]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(
        /changes to layer ubuntu-server-minimal are shadowed by ubuntu-server-minimal\.ubuntu-server: \/etc\/isoforge-release/,
      );
      expect(run.stderr).toMatch(/target layer ubuntu-server-minimal\.ubuntu-server instead/);
      expect((await readMountPoints()).filter((point) => point.startsWith(dir))).toEqual([]);
      await expect(readFile(join(dir, 'out/shadowed.iso'))).rejects.toThrow();
    },
    TIMEOUT,
  );
});
