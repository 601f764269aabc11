import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIsoforge } from '../support/cli.ts';
import { makeTestDeb } from '../support/deb.ts';
import { ensureLiveBuildIso } from '../support/live-build.ts';

// Block reuse (the default repack) on a layer isoforge did not make: live-build's Debian layer,
// mounted from the ISO under an overlay, the changes folded in. `isoforge diff` reads both layers'
// tables and names every path whose entry or data blocks differ, so it shows any stray change.
const TIMEOUT = 1_200_000;

interface LayerDiff {
  name: string;
  files: { added: string[]; removed: string[]; changed: { path: string }[] };
  packages: { added: { name: string }[]; removed: unknown[]; upgraded: unknown[] };
}

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

beforeAll(async () => {
  input = await ensureLiveBuildIso();
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
