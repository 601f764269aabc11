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
      name: 'a removed path that is not on the medium',
      iso: '  remove: [/no/such/file]\n',
      message: /^isoforge: error: bad\.yaml:4:\d+ iso\.remove\.0: \/no\/such\/file is not on the input ISO/m,
    },
  ];
  for (const { name, iso, message } of cases) {
    it(`${name}: one error line with file, line and field, exit 2, nothing written`, async () => {
      const file = await writeRecipe('bad.yaml', `input: sample.iso\noutput: out/bad.iso\niso:\n${iso}`);
      const run = await runIsoforge(['build', file, '--workdir', join(dir, 'work-bad')]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n').filter((line) => line.startsWith('isoforge: error:'))).toHaveLength(1);
      expect(await exists(join(dir, 'out/bad.iso'))).toBe(false);
    });
  }
});
