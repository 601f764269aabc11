import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

// ISOs that others remastered before isoforge sees them, made here from the sample the way users'
// tools make them; each gets a one-file layer change, built, verified, diffed and booted.
const TIMEOUT = 900_000;
const TOP = 'ubuntu-server-minimal.ubuntu-server';
const BOOTS = [
  ['bios', 'cdrom'],
  ['uefi', 'usb'],
] as const;
let dir: string;
let sample: string;

async function xorriso(args: readonly string[], cwd?: string): Promise<string[]> {
  const { stdout } = await runCommand(['xorriso', ...args], { cwd });
  return stdout.split('\n').filter(Boolean);
}

/** A hand script's rewrite: modification mode with nothing but replay (no Joliet, TOC emulation, no gap). */
async function makePlainReplay(out: string): Promise<void> {
  const added = join(dir, 'added.txt');
  await writeFile(added, 'added by a plain replay\n');
  await xorriso([
    '-indev',
    sample,
    '-outdev',
    out,
    '-boot_image',
    'any',
    'replay',
    '-map',
    added,
    '/added.txt',
    '-commit',
  ]);
}

/**
 * livefs-editor's repack (livefs_edit/context.py, repack_iso): the input's own
 * `-report_el_torito as_mkisofs` options, then `-o OUT -V 'Ubuntu custom' TREE`. livefs-editor
 * loop-mounts the ISO for TREE; this kernel has no iso9660, so the tree is extracted instead.
 */
async function makeLivefsEditorRepack(out: string): Promise<void> {
  const tree = join(dir, 'livefs-tree');
  await xorriso(['-osirrox', 'on', '-indev', sample, '-extract', '/', tree]);
  const opts = await xorriso(['-indev', sample, '-report_el_torito', 'as_mkisofs']);
  const { stdout } = await runCommand(['python3', '-c', SHLEX_SPLIT, opts.join('\n')]);
  const args = JSON.parse(stdout) as string[];
  await xorriso(['-as', 'mkisofs', ...args, '-o', out, '-V', 'Ubuntu custom', tree]);
}

// livefs-editor splits the report with Python's shlex: the same splitter, not a second one.
const SHLEX_SPLIT = 'import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))';

/** isoforge's own output remastered by isoforge with the same recipe: the input of a third build. */
async function makeIsoforgeTwice(out: string): Promise<void> {
  const once = join(dir, 'twice-once.iso');
  await buildOneChange(sample, once, 'first');
  await buildOneChange(once, out, 'first');
}

async function buildOneChange(
  input: string,
  output: string,
  release: string,
  extra = '',
): Promise<{ exitCode: number; stderr: string; stdout: string }> {
  const recipe = join(dir, `${release}-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(
    recipe,
    `input: ${input}
output: ${output}
${extra}layers:
  ${TOP}:
    steps:
      - run: echo ${release} > /etc/isoforge-release
`,
  );
  const run = await runIsoforge(['build', recipe, '--workdir', join(dir, `work-${release}`)]);
  expect(run.exitCode, run.stderr).toBe(0);
  return run;
}

const INPUTS = [
  ['a plain -boot_image any replay rewrite', 'plain-replay', makePlainReplay],
  ["livefs-editor's repack", 'livefs-editor', makeLivefsEditorRepack],
  ['an isoforge output rebuilt by isoforge', 'isoforge-twice', makeIsoforgeTwice],
] as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-remastered-'));
  sample = join(dir, 'sample.iso');
  await copyFile(await ensureSampleIso(), sample);
}, TIMEOUT);

describe.each(INPUTS)('remastering %s', (_title, name, make) => {
  let input: string;
  let output: string;

  beforeAll(async () => {
    input = join(dir, `${name}.iso`);
    output = join(dir, `out/${name}-changed.iso`);
    await make(input);
    await mkdir(join(dir, 'out'), { recursive: true });
    await buildOneChange(input, output, `${name}-changed`);
  }, TIMEOUT);

  it('inspect --mkisofs equals xorriso -report_el_torito as_mkisofs, line for line', async () => {
    for (const iso of [input, output]) {
      const run = await runIsoforge(['inspect', iso, '--mkisofs']);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout.split('\n').filter(Boolean)).toEqual(
        await xorriso(['-indev', iso, '-report_el_torito', 'as_mkisofs']),
      );
    }
  });

  it('isoforge diff shows the change and no boot-setup difference', async () => {
    const run = await runIsoforge(['diff', input, output, '--json']);
    const diff = JSON.parse(run.stdout) as { differences: string[]; boot: { changes: unknown[] } };
    expect(diff.differences).toContain('layers');
    expect(diff.differences).not.toContain('boot');
    expect(diff.boot.changes).toEqual([]);
    // The layer holds the new file, as unsquashfs reads it from the output.
    const release = await readLayerFile(output, `/casper/${TOP}.squashfs`, 'etc/isoforge-release');
    expect(release).toBe(`${name}-changed\n`);
  });

  it.concurrent.each(BOOTS)(
    'boots %s/%s to the changed layer',
    async (firmware, media) => {
      const result = await runBootTest({ iso: output, firmware, media, logDir: join(dir, `boot-${name}`) });
      expect(result.matched, result.tail.join('\n')).toMatch(
        new RegExp(`ISOFORGE-SAMPLE-BOOT ok release=${name}-changed `),
      );
    },
    TIMEOUT,
  );
});

/** FILE of the squashfs layer at ISO_PATH inside ISO, read by xorriso and unsquashfs. */
async function readLayerFile(iso: string, isoPath: string, file: string): Promise<string> {
  const work = await mkdtemp(join(dir, 'layer-'));
  const layer = join(work, 'layer.squashfs');
  await xorriso(['-osirrox', 'on', '-indev', iso, '-extract', isoPath, layer]);
  await runCommand(['unsquashfs', '-q', '-d', join(work, 'root'), layer, file]);
  return readFile(join(work, 'root', file), 'utf8');
}

describe('restoring the standard setup on a plain replay rewrite (standardBootSetup: true)', () => {
  let input: string;
  let output: string;

  beforeAll(async () => {
    input = join(dir, 'standard-input.iso');
    output = join(dir, 'out/standard.iso');
    await makePlainReplay(input);
    await buildOneChange(input, output, 'standard', 'standardBootSetup: true\n');
  }, TIMEOUT);

  it('gets the gap partition and Joliet back (xorriso -report_system_area), and verify passes', async () => {
    const names = async (iso: string) =>
      (await xorriso(['-indev', iso, '-report_system_area', 'plain'])).filter((l) =>
        l.startsWith('GPT partname local'),
      );
    expect((await names(input)).join('\n')).not.toMatch(/Gap1/);
    expect((await names(output)).join('\n')).toMatch(/ 3 +Gap1$/m);
    const offers = async (iso: string) =>
      (await xorriso(['-indev', iso, '-toc'])).find((l) => l.startsWith('ISO offers')) ?? '';
    expect(await offers(input)).not.toMatch(/Joliet/);
    expect(await offers(output)).toMatch(/Joliet/);
    const verify = await runIsoforge(['verify', output, '--original', input, '--standard-boot-setup']);
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    // Without the flag, verify holds the output to the input's own setup, and says what differs.
    const strict = await runIsoforge(['verify', output, '--original', input]);
    expect(strict.exitCode).toBe(9);
    expect(strict.stdout).toMatch(/gap partition/);
  });

  it('the report says what changed', async () => {
    const html = await readFile(join(dir, 'out/standard.report.html'), 'utf8');
    expect(html).toContain('standard setup restored');
    expect(html).toContain('gap partition added');
  });
});

describe('an input whose boot setup xorriso cannot carry over', () => {
  it('a hidden El Torito image stops the build before any work, with one line', async () => {
    const input = join(dir, 'hidden.iso');
    await xorriso([
      ...['-indev', sample, '-outdev', input, '-boot_image', 'any', 'replay'],
      ...['-hide', 'on', '/boot/grub/i386-pc/eltorito.img', '--', '-commit'],
    ]);
    const recipe = join(dir, 'hidden.yaml');
    await writeFile(
      recipe,
      `input: hidden.iso\noutput: out/hidden-changed.iso\nlayers:\n  ${TOP}:\n    steps:\n      - run: echo hidden\n`,
    );
    const work = join(dir, 'work-hidden');
    const run = await runIsoforge(['build', recipe, '--workdir', work]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/El Torito image 1 \(bios, block \d+\) is hidden/);
    await expect(readFile(join(dir, 'out/hidden-changed.iso'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(work, 'build.log'))).rejects.toThrow(/ENOENT/);
  });
});
