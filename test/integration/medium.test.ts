import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { IsoImage } from '../../src/iso/image.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TIMEOUT = 300_000;
let dir: string;

async function writeRecipe(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The Rock Ridge mode bits xorriso reports for ISOPATH (`-lsl` prints them like ls -l). */
async function isoMode(iso: string, isoPath: string): Promise<string> {
  const { stdout } = await execa('xorriso', ['-indev', iso, '-lsl', isoPath], { stderr: 'ignore' });
  return stdout.trim().split(/\s+/)[0] ?? '';
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-medium-'));
  await writeFile(join(dir, 'sample.iso'), await readFile(await ensureSampleIso()));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/oem-readme.txt'), 'OEM build 42\n');
  await writeFile(join(dir, 'files/install.sh'), '#!/bin/sh\necho oem\n');
}, TIMEOUT);

describe('a recipe that changes only the medium', () => {
  const recipe = `input: sample.iso
output: out/medium.iso
iso:
  files:
    - { src: files/oem-readme.txt, dest: /oem/README.txt }
    - { src: files/install.sh, dest: /oem/install.sh, mode: "0755" }
  remove: [/pool, /dists]
  diskInfo: OEM Server 22.04.5 for fleet A
`;

  it(
    'unpacks no layer, writes the files, removes the folders, updates md5sum.txt and verifies',
    async () => {
      const file = await writeRecipe('medium.yaml', recipe);
      const run = await runIsoforge(['build', file, '--workdir', join(dir, 'work'), '--json']);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      const report = JSON.parse(run.stdout) as { verify: { ok: boolean }; timings: { title: string }[] };
      expect(report.verify.ok).toBe(true);
      expect(report.timings.map((t) => t.title).filter((t) => t.startsWith('customize'))).toEqual([]);
      const output = join(dir, 'out/medium.iso');
      await using image = await IsoImage.open(output);
      expect(await image.readText('/oem/README.txt')).toBe('OEM build 42\n');
      expect(await image.readText('/.disk/info')).toBe('OEM Server 22.04.5 for fleet A\n');
      expect(await image.stat('/pool')).toBeNull();
      expect(await image.stat('/dists')).toBeNull();
      expect(await isoMode(output, '/oem/install.sh')).toBe('-rwxr-xr-x');
      const md5sums = (await image.readText('/md5sum.txt')) ?? '';
      const md5 = createHash('md5').update('OEM build 42\n').digest('hex');
      expect(md5sums).toContain(`${md5}  ./oem/README.txt`);
      expect(md5sums).not.toMatch(/\.\/(pool|dists)\//);
      expect((await runIsoforge(['verify', output, '--original', join(dir, 'sample.iso')])).exitCode).toBe(0);
    },
    TIMEOUT,
  );
});

// The password "isoforge", hashed with: openssl passwd -6 isoforge
const HASH =
  '$6$ANKUxzXxfo7J3eU1$Y0JRZClDqWpoxTE/V3MASk9rZHQpl0P40jr4ec2k4FuWpshZBvPkuA.qRZ6gVUM8bIuNXaqNRI9lxwv37osKy1';
const autoinstallFiles = new Map<string, string>();

describe('bad iso: input', () => {
  const cases: { name: string; iso: string; message: RegExp }[] = [
    {
      name: 'a files dest outside the medium',
      iso: '  files:\n    - { src: files/oem-readme.txt, dest: /oem/../../etc/passwd }\n',
      message: /^isoforge: error: bad\.yaml:5:\d+ iso\.files\.0\.dest: must not contain \.\./m,
    },
    {
      name: 'a files src that does not exist',
      iso: '  files:\n    - { src: files/missing.txt, dest: /oem/missing.txt }\n',
      message: /^isoforge: error: bad\.yaml:5:\d+ iso\.files\.0\.src: files\/missing\.txt is not a file/m,
    },
    {
      name: 'a files dest that isoforge writes itself',
      iso: '  files:\n    - { src: files/oem-readme.txt, dest: /md5sum.txt }\n',
      message: /^isoforge: error: bad\.yaml:5:\d+ iso\.files\.0\.dest: \/md5sum\.txt cannot be replaced/m,
    },
    {
      name: 'a cmdline entries regex that matches no entry',
      iso: '  cmdline: { add: [quiet], entries: "^Rescue" }\n',
      message:
        /^isoforge: error: bad\.yaml:4:\d+ iso\.cmdline\.entries: "\^Rescue" matches no menu entry that boots the live kernel; the menus' entries are "Try or Install Ubuntu Server"/m,
    },
    {
      name: 'a removed path that is not on the medium',
      iso: '  remove: [/no/such/file]\n',
      message: /^isoforge: error: bad\.yaml:4:\d+ iso\.remove\.0: \/no\/such\/file is not on the input ISO/m,
    },
  ];
  const userData = (body: string) =>
    `#cloud-config\nautoinstall:\n  version: 1\n  identity:\n    hostname: oem\n    username: oem\n    password: '${HASH}'\n${body}`;
  const autoinstallCases: { name: string; text: string; message: RegExp }[] = [
    {
      name: 'a YAML error',
      text: userData('  packages: [htop\n  ssh: {}\n'),
      message: /user-data\.yaml:\d+:\d+ /,
    },
    {
      name: 'an unknown section',
      text: userData('  late_commands: [reboot]\n'),
      message:
        /user-data\.yaml:8:3 autoinstall\.late_commands: unknown section \(did you mean late-commands\?\)/,
    },
    {
      name: 'a wrong type',
      text: userData('  ssh:\n    install-server: "yes"\n'),
      message: /user-data\.yaml:9:21 autoinstall\.ssh\.install-server: .*expected boolean/,
    },
    {
      name: 'a plain-text password',
      text: userData('').replace(HASH, 'hunter2'),
      message: /user-data\.yaml:7:15 autoinstall\.identity\.password: is not a crypt hash/,
    },
  ];
  for (const { name, text, message } of autoinstallCases) {
    cases.push({
      name: `an autoinstall file with ${name}`,
      iso: `  autoinstall: { userData: user-data-${cases.length}.yaml }\n`,
      message: new RegExp(
        `^isoforge: error: ${message.source.replace('user-data\\.yaml', `user-data-${cases.length}\\.yaml`)}`,
        'm',
      ),
    });
    autoinstallFiles.set(`user-data-${cases.length - 1}.yaml`, text);
  }
  for (const { name, iso, message } of cases) {
    it(`${name}: one error line with file, line and field, exit 2, nothing written`, async () => {
      for (const [fileName, text] of autoinstallFiles) await writeFile(join(dir, fileName), text);
      const file = await writeRecipe('bad.yaml', `input: sample.iso\noutput: out/bad.iso\niso:\n${iso}`);
      const run = await runIsoforge(['build', file, '--workdir', join(dir, 'work-bad')]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n').filter((line) => line.startsWith('isoforge: error:'))).toHaveLength(1);
      expect(await exists(join(dir, 'out/bad.iso'))).toBe(false);
    });
  }
});

describe('a kernel pin and the autoinstall', () => {
  const pin = `layers:
  ubuntu-server-minimal.ubuntu-server:
    steps:
      - kernel: { version: 6.1.0-99-amd64 }
`;

  it('without autoinstall, the build warns that the installer would install another kernel', async () => {
    const file = await writeRecipe('pin.yaml', `input: sample.iso\noutput: out/pin.iso\n${pin}`);
    const run = await runIsoforge(['build', file, '--dry-run', '--workdir', join(dir, 'work-pin')]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('linux-image-6.1.0-99-amd64');
    expect(run.stderr).toMatch(/autoinstall/);
  });

  it('with autoinstall, the pinned package is added to its kernel: section on the medium', async () => {
    await mkdir(join(dir, 'autoinstall'), { recursive: true });
    await writeFile(
      join(dir, 'autoinstall/user-data.yaml'),
      await readFile(new URL('../../examples/autoinstall/user-data.yaml', import.meta.url), 'utf8'),
    );
    const file = await writeRecipe(
      'pin-auto.yaml',
      `input: sample.iso\noutput: out/pin-auto.iso\n${pin}iso:\n  autoinstall: { userData: autoinstall/user-data.yaml }\n`,
    );
    const run = await runIsoforge(['build', file, '--dry-run', '--workdir', join(dir, 'work-pin')]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('added kernel: { package: linux-image-6.1.0-99-amd64 }');
    expect(run.stdout).toMatch(/kernel:\n\s+package: linux-image-6\.1\.0-99-amd64/);
  });
});
