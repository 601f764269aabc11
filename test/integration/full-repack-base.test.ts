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
const RECIPE = (output: string) => `input: sample.iso
output: ${output}
layers:
  ${BASE}:
    repack: full
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

describe('a full repack of a base layer', () => {
  it(
    'packs the merged view without unpacking and holds what the unpack-and-mksquashfs script holds, hard links whole',
    async () => {
      await writeFile(join(dir, 'built.yaml'), RECIPE('built.iso'));
      await writeFile(join(dir, 'scripted.yaml'), RECIPE('scripted.iso'));
      const workDir = join(dir, 'work-build');
      const build = await runIsoforge([
        'build',
        join(dir, 'built.yaml'),
        '--workdir',
        workDir,
        '--keep-workdir',
      ]);
      expect(build.exitCode, build.stderr).toBe(0);
      const log = await readFile(join(workDir, 'build.log'), 'utf8');
      expect(log).not.toMatch(/\+ unsquashfs -d/);
      expect(log).toMatch(/\+ mksquashfs \S+\/merged /);

      const dryRun = await runIsoforge(['build', join(dir, 'scripted.yaml'), '--dry-run']);
      expect(dryRun.exitCode, dryRun.stderr).toBe(0);
      expect(dryRun.stdout).toMatch(/unsquashfs -d/);
      await writeFile(join(dir, 'plan.sh'), dryRun.stdout);
      await runCommand(['sh', join(dir, 'plan.sh')], { cwd: dir });

      const built = await readBaseLayer(join(dir, 'built.iso'));
      const scripted = await readBaseLayer(join(dir, 'scripted.iso'));
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
