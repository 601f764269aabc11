import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { checkChecksumFiles } from '../../src/verify/verify.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TOP = 'ubuntu-server-minimal.ubuntu-server';
const TIMEOUT = 900_000;
let dir: string;

const RECIPE = (output: string) => `input: sample.iso
output: ${output}
layers:
  ${TOP}:
    steps:
      - copy: { src: files/50-oem.conf, dest: /etc/sysctl.d/50-oem.conf, mode: "0640" }
      - apt: { install: [tree], hold: [tree] }
      - run: |
          echo "dry-run twin" > /etc/isoforge-release
          printf 'a line with EOF\\nEOF\\n' > /etc/isoforge-eof
`;

/** Every entry of the layer's listing without dates (mode, owner, size, path, link), and every file's sha256. */
async function readLayerContent(iso: string): Promise<{ listing: string[]; hashes: Map<string, string> }> {
  const layer = (await inspectIso(iso)).layers.find((l) => l.name === TOP);
  const offset = String((layer?.lba ?? 0) * 2048);
  const { stdout } = await runCommand(['unsquashfs', '-lln', '-o', offset, iso]);
  const listing = stdout
    .split('\n')
    .filter((line) => line.includes('squashfs-root'))
    .map((line) => line.replace(/ \d{4}-\d\d-\d\d \d\d:\d\d /, ' '));
  const tree = await mkdtemp(join(dir, 'tree-'));
  await runCommand(['unsquashfs', '-d', join(tree, 'root'), '-o', offset, iso]);
  const { stdout: sums } = await runCommand(
    ['sh', '-c', 'cd root && find . -type f -print0 | sort -z | xargs -0 sha256sum'],
    {
      cwd: tree,
    },
  );
  const hashes = new Map(
    sums
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(66), line.slice(0, 64)]),
  );
  return { listing, hashes };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-dry-run-exec-'));
  await writeFile(join(dir, 'sample.iso'), await readFile(await ensureSampleIso()));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/50-oem.conf'), 'net.core.somaxconn = 4096\n');
}, TIMEOUT);

describe('the --dry-run script, run by hand as root', () => {
  it(
    'writes the same layer content and a valid checksum file as isoforge build',
    async () => {
      await writeFile(join(dir, 'built.yaml'), RECIPE('built.iso'));
      await writeFile(join(dir, 'scripted.yaml'), RECIPE('scripted.iso'));
      const build = await runIsoforge([
        'build',
        join(dir, 'built.yaml'),
        '--workdir',
        join(dir, 'work-build'),
      ]);
      expect(build.exitCode, build.stderr).toBe(0);
      const dryRun = await runIsoforge([
        'build',
        join(dir, 'scripted.yaml'),
        '--dry-run',
        '--workdir',
        join(dir, 'work-script'),
      ]);
      expect(dryRun.exitCode, dryRun.stderr).toBe(0);
      await writeFile(join(dir, 'plan.sh'), dryRun.stdout);
      await runCommand(['sh', join(dir, 'plan.sh')], { cwd: dir });

      const built = await readLayerContent(join(dir, 'built.iso'));
      const scripted = await readLayerContent(join(dir, 'scripted.iso'));
      expect(scripted.listing).toEqual(built.listing);
      expect([...scripted.hashes]).toEqual([...built.hashes]);
      expect(built.hashes.get('./etc/isoforge-eof')).toBe(
        createHash('sha256').update('a line with EOF\nEOF\n').digest('hex'),
      );
      expect(
        built.listing.some((line) =>
          /^-rw-r----- 0\/0 .* squashfs-root\/etc\/sysctl\.d\/50-oem\.conf$/.test(line),
        ),
      ).toBe(true);

      const checks = await checkChecksumFiles(join(dir, 'scripted.iso'), ['/md5sum.txt']);
      expect(checks).toEqual([
        { name: 'md5sum.txt', ok: true, detail: expect.stringMatching(/files match \(md5\)/) },
      ]);
    },
    TIMEOUT,
  );
});
