import { access, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TOP = 'ubuntu-server-minimal.ubuntu-server';
let dir: string;
let sample: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-dry-run-'));
  sample = await ensureSampleIso();
}, 600_000);

describe('isoforge build --dry-run', () => {
  it('prints a valid shell script of the whole plan and touches nothing', async () => {
    const recipe = join(dir, 'oem.yaml');
    await writeFile(
      recipe,
      `input: ${sample}\noutput: out/oem.iso\nlayers:\n  ${TOP}:\n    steps:\n      - apt: { install: [tree] }\n      - run: echo hi > /etc/isoforge-release\n`,
    );
    const workDir = join(dir, 'work');
    const run = await runIsoforge(['build', recipe, '--dry-run', '--workdir', workDir]);
    expect(run.exitCode).toBe(0);
    const script = run.stdout;
    const layer = (await inspectIso(sample)).layers.find((l) => l.name === TOP);
    // The layer is unpacked straight out of the ISO at its byte offset: no copy of the ISO tree.
    expect(script).toContain(
      `unsquashfs -d ${workDir}/layers/${TOP}/upper -xattrs -o ${(layer?.lba ?? 0) * 2048}`,
    );
    expect(script).toMatch(/mount -t overlay -o lowerdir=\S+\/lower\/ubuntu-server-minimal,upperdir=/);
    expect(script).toContain('exit 101');
    expect(script).toContain(`-comp ${layer?.superblock?.compression} -b ${layer?.superblock?.blockSize}`);
    expect(script).toMatch(
      /xorriso .* -boot_image any replay .* -map \S+ \/casper\/ubuntu-server-minimal\.ubuntu-server\.squashfs/,
    );
    // sh -n: the plan parses as a shell script a person could run by hand.
    await runCommand(['sh', '-n'], { input: script });
    expect(await readdir(dir)).not.toContain('work');
  });
});

describe('predicted shadowing', () => {
  it('refuses package steps on a layer whose dpkg status a layer above hides, before unpacking anything', async () => {
    const recipe = join(dir, 'low.yaml');
    await writeFile(
      recipe,
      `input: ${sample}\noutput: out/low.iso\nlayers:\n  ubuntu-server-minimal:\n    steps:\n      - apt: { install: [tree] }\n`,
    );
    const workDir = join(dir, 'work-low');
    expect((await runIsoforge(['build', recipe, '--dry-run', '--workdir', workDir])).exitCode).toBe(2);
    const run = await runIsoforge(['build', recipe, '--workdir', workDir]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      `changes to layer ubuntu-server-minimal are shadowed by ${TOP}: /var/lib/dpkg/status (target layer ${TOP} instead`,
    );
    await expect(access(workDir)).rejects.toThrow();
  });

  it('refuses a file for the installer layer that both kernel layers hide, naming the path and both layers', async () => {
    const installer = `${TOP}.installer`;
    const recipe = join(dir, 'installer.yaml');
    const dest = '/etc/initramfs-tools/conf.d/default-layer.conf';
    await writeFile(
      recipe,
      `input: ${sample}\noutput: out/installer.iso\nlayers:\n  ${installer}:\n    steps:\n      - file: { dest: ${dest}, content: "LAYERFS_PATH=x.squashfs\\n" }\n`,
    );
    const workDir = join(dir, 'work-installer');
    const run = await runIsoforge(['build', recipe, '--workdir', workDir]);
    expect(run.exitCode).toBe(2);
    const [generic, hwe] = [`${installer}.generic`, `${installer}.generic-hwe`];
    expect(run.stderr).toContain(`changes to layer ${installer} are shadowed by ${generic}, ${hwe}: ${dest}`);
    expect(run.stderr).toContain(`target layers ${generic} and ${hwe} instead`);
    await expect(access(workDir)).rejects.toThrow();
  });

  it('resolves the installer and system targets, and the dry run names the layers they stand for', async () => {
    const recipe = join(dir, 'targets.yaml');
    await writeFile(
      recipe,
      `input: ${sample}\noutput: out/targets.iso\nlayers:\n  installer:\n    steps:\n      - file: { dest: /etc/a, content: a }\n  system:\n    steps:\n      - file: { dest: /etc/b, content: b }\n`,
    );
    const run = await runIsoforge(['build', recipe, '--dry-run', '--workdir', join(dir, 'work-targets')]);
    expect(run.exitCode, run.stderr).toBe(0);
    const headers = run.stdout.split('\n').filter((line) => /^# (layer|named by)/.test(line));
    expect(headers.map((line) => line.replace(/ \(.*$/, ''))).toEqual([
      `# layer ${TOP}`,
      "# named by the recipe's target 'system'",
      `# layer ${TOP}.installer.generic`,
      "# named by the recipe's target 'installer'",
      `# layer ${TOP}.installer.generic-hwe`,
      "# named by the recipe's target 'installer'",
    ]);
    await writeFile(
      recipe,
      `input: ${sample}\noutput: out/targets.iso\nlayers:\n  instaler:\n    steps:\n      - file: { dest: /etc/a, content: a }\n`,
    );
    const typo = await runIsoforge(['build', recipe, '--dry-run']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("layer 'instaler' is not on the ISO");
    expect(typo.stderr).toContain(
      'targets: installer, system, system:ubuntu-server-minimal, system:ubuntu-server',
    );
  });

  it('lets allowShadowed: true through the prediction (the dry run shows the plan)', async () => {
    const recipe = join(dir, 'low-allowed.yaml');
    await writeFile(
      recipe,
      `input: ${sample}\noutput: out/low.iso\nlayers:\n  ubuntu-server-minimal:\n    allowShadowed: true\n    steps:\n      - apt: { install: [tree] }\n`,
    );
    const run = await runIsoforge(['build', recipe, '--dry-run', '--workdir', join(dir, 'work-low')]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('install --no-install-recommends tree');
  });
});
