import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { runCommand } from '../../src/tools/exec.ts';
import { disposeScene } from './support/driver.ts';
import { measureFault } from './support/measure.ts';
import { build, buildOutcome, makeBuildScene, writeRecipe, type BuildScene } from './support/build-scene.ts';

/**
 * Guarantee 8: a GPG passphrase reaches gpg through a file descriptor or the agent, never a command
 * line, an environment, or a log. While a signing build runs, every process's /proc/PID/cmdline and
 * environ is scanned for it; afterwards the build's output and every file in the work dir are.
 * Runs once the gpg adapter (src/tools/gpg.ts, OUTPUT) exists.
 */
let scene: BuildScene;
const secret = `isoforge-secret-${randomBytes(8).toString('hex')}`;

beforeEach(async () => {
  scene = await makeBuildScene();
});
afterEach(async () => {
  await disposeScene(scene);
});

async function makeKey(home: string): Promise<string> {
  await mkdir(home, { mode: 0o700 });
  const gpg = ['gpg', '--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0'];
  await runCommand(
    [...gpg, '--quick-gen-key', 'Reliability <reliability@example.com>', 'ed25519', 'sign', '1d'],
    {
      input: `${secret}\n`,
    },
  );
  const { stdout } = await runCommand(['gpg', '--homedir', home, '--with-colons', '--list-secret-keys']);
  return (
    stdout
      .split('\n')
      .find((line) => line.startsWith('fpr:'))
      ?.split(':')[9] ?? ''
  );
}

/** Every process whose command line or environment holds SECRET, as "pid: where". */
async function scanProc(found: Set<string>): Promise<void> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    for (const where of ['cmdline', 'environ']) {
      const text = await readFile(`/proc/${pid}/${where}`, 'utf8').catch(() => '');
      if (text.includes(secret)) found.add(`${pid}: ${where} ${text.split('\0')[0]}`);
    }
  }
}

async function filesHolding(dir: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path).catch(() => Buffer.alloc(0))).includes(secret)) hits.push(path);
  }
  return hits;
}

describe('the signing passphrase', () => {
  it('never appears in any /proc cmdline or environ, the output, or the logs', async () => {
    const home = join(scene.dir, 'gnupg');
    const fingerprint = await makeKey(home);
    await writeFile(join(scene.recipeDir, 'passphrase.txt'), `${secret}\n`, { mode: 0o600 });
    await writeRecipe(scene, 'echo reliability > /etc/isoforge-release');
    const recipe = await readFile(scene.recipe, 'utf8');
    await writeFile(
      scene.recipe,
      `${recipe}sign:\n  key: '${fingerprint}'\n  passphraseFile: passphrase.txt\n  gnupgHome: ${home}\n`,
    );
    onTestFinished(async () => {
      await runCommand(['gpgconf', '--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
    });
    const run = build(scene);
    const outcome = buildOutcome(run);
    const found = new Set<string>();
    let running = true;
    const exited = run.exit.finally(() => (running = false));
    while (running) await scanProc(found);
    expect((await exited).code, run.lines.join('\n')).toBe(0);
    const layers = await runCommand(['xorriso', '-indev', scene.out, '-find', '/casper', '-name', '*.gpg']);
    expect(layers.stdout).toMatch(/\.squashfs\.gpg/);
    const leaks = [
      ...found,
      ...(await filesHolding(scene.work)),
      ...run.lines.filter((l) => l.includes(secret)),
    ];
    const record = await measureFault(
      scene,
      'build: signing with a passphrase (scanned /proc, logs, output)',
      [await outcome],
      { final: 'out.iso' },
    );
    expect(record).toMatchObject({ mountsLeaked: 0, inputBytesChanged: 0, partialOutputs: 0 });
    expect(leaks).toEqual([]);
  });
});
