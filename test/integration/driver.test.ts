import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

// A driver is built for the image's kernels: one the image's apt has no headers for fails the build
// before anything is installed or repacked, naming the kernel and the package to add.
const TIMEOUT = 600_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-driver-'));
}, TIMEOUT);

describe('the driver step', () => {
  it(
    'fails, naming the kernel and its headers package, when a kernel of the chain has no headers in the apt sources',
    async () => {
      const recipe = join(dir, 'no-headers.yaml');
      await writeFile(
        recipe,
        `input: ${await ensureSampleIso()}
output: out/no-headers.iso
layers:
  system:
    steps:
      - file: { dest: /lib/modules/9.9.9-isoforge/modules.order, content: "" }
      - driver: { packages: [v4l2loopback-dkms] }
`,
      );
      const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work')]);
      expect(run.exitCode).toBe(5);
      expect(run.stderr).toContain(
        "driver: kernel 9.9.9-isoforge has no headers: linux-headers-9.9.9-isoforge is not in the image's apt sources",
      );
      expect(run.stderr + run.stdout).not.toContain('Unpacking v4l2loopback-dkms');
      await expect(access(join(dir, 'out/no-headers.iso'))).rejects.toThrow();
      const mounts = (await runCommand(['findmnt', '-rn', '-o', 'TARGET'])).stdout.split('\n');
      expect(mounts.filter((point) => point.startsWith(dir))).toEqual([]);
    },
    TIMEOUT,
  );
});
