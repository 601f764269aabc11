import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';
import { describeSquashfs, type SquashfsContent } from '../support/squashfs-content.ts';

// The sample's base layer: no ancestors, so a full repack packs the overlay's merged view.
const BASE = 'ubuntu-server-minimal';
const TIMEOUT = 900_000;
let dir: string;

// /usr/bin/gunzip and /usr/bin/uncompress are one inode in the layer: appending to one name in
// place must change both, as it does in an unpacked tree.
const RECIPE = (output: string, repack: string) => `input: sample.iso
output: ${output}
layers:
  ${BASE}:
    repack: ${repack}
    steps:
      - copy: { src: files/50-oem.conf, dest: /etc/sysctl.d/50-oem.conf, mode: "0640" }
      - run: |
          printf '# oem build\\n' >> /usr/bin/uncompress
          mkdir -p /opt/oem && echo one > /opt/oem/a && ln /opt/oem/a /opt/oem/b
          rm -r /usr/share/doc/gzip
          setfattr -n user.oem -v yes /etc/sysctl.d/50-oem.conf || true
`;

async function readBaseLayer(iso: string): Promise<SquashfsContent> {
  const layer = (await inspectIso(iso)).layers.find((l) => l.name === BASE);
  return describeSquashfs(iso, (layer?.lba ?? 0) * 2048);
}

/** Listing lines without their dates: two runs touch folders at different times. */
function withoutDates(listing: readonly string[]): string[] {
  return listing.map((line) => line.replace(/ \d{4}-\d\d-\d\d \d\d:\d\d /, ' '));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-full-base-'));
  await writeFile(join(dir, 'sample.iso'), await readFile(await ensureSampleIso()));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/50-oem.conf'), 'net.core.somaxconn = 4096\n');
}, TIMEOUT);

// What mksquashfs packs: the whole merged view (full repack) or the upper dir alone (block reuse).
const PACKED = { full: /\+ mksquashfs \S+\/merged /, reuse: /\+ mksquashfs \S+\/upper / };

describe.each(['full', 'reuse'] as const)('repack: %s of a base layer', (repack) => {
  it(
    'unpacks nothing and holds what the unpack-and-mksquashfs script holds, hard links whole',
    async () => {
      await writeFile(join(dir, `built-${repack}.yaml`), RECIPE(`built-${repack}.iso`, repack));
      await writeFile(join(dir, `scripted-${repack}.yaml`), RECIPE(`scripted-${repack}.iso`, repack));
      const workDir = join(dir, `work-${repack}`);
      const build = await runIsoforge([
        'build',
        join(dir, `built-${repack}.yaml`),
        '--workdir',
        workDir,
        '--keep-workdir',
      ]);
      expect(build.exitCode, build.stderr).toBe(0);
      expect(build.stdout + build.stderr).toMatch(/hard links of the layer kept whole: .*\/usr\/bin\/gunzip/);
      const log = await readFile(join(workDir, 'build.log'), 'utf8');
      expect(log).not.toMatch(/\+ unsquashfs -d/);
      expect(log).toMatch(PACKED[repack]);

      const dryRun = await runIsoforge([
        'build',
        join(dir, `scripted-${repack}.yaml`),
        '--dry-run',
        '--workdir',
        join(dir, `work-script-${repack}`),
      ]);
      expect(dryRun.exitCode, dryRun.stderr).toBe(0);
      expect(dryRun.stdout).toMatch(/unsquashfs -d/);
      await writeFile(join(dir, `plan-${repack}.sh`), dryRun.stdout);
      await runCommand(['sh', join(dir, `plan-${repack}.sh`)], { cwd: dir });

      const built = await readBaseLayer(join(dir, `built-${repack}.iso`));
      const scripted = await readBaseLayer(join(dir, `scripted-${repack}.iso`));
      expect(withoutDates(built.listing)).toEqual(withoutDates(scripted.listing));
      const differing = Object.keys(built.hashes).filter(
        (path) => built.hashes[path] !== scripted.hashes[path],
      );
      expect(differing.filter((path) => !path.startsWith('/var/log/'))).toEqual([]);
      expect(Object.keys(built.hashes)).toEqual(Object.keys(scripted.hashes));
      expect(built.xattrs).toEqual(scripted.xattrs);
      expect(built.hardLinks).toEqual(scripted.hardLinks);
      expect(built.hardLinks).toContain('/usr/bin/gunzip /usr/bin/uncompress');
      expect(built.hardLinks).toContain('/opt/oem/a /opt/oem/b');
      const input = await readBaseLayer(join(dir, 'sample.iso'));
      expect(built.hashes['/usr/bin/gunzip']).not.toBe(input.hashes['/usr/bin/gunzip']);
      expect(Object.keys(built.hashes)).not.toContain('/usr/share/doc/gzip/copyright');
    },
    TIMEOUT,
  );
});
