import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateChecksums } from '../../src/distro/checksums.ts';
import { ExitCode } from '../../src/errors.ts';
import { inspectIso } from '../../src/inspect/inspect.ts';
import { writeIso } from '../../src/output/write-iso.ts';
import { SAMPLE_LAYERS } from '../../src/sample/index.ts';
import { makeSignedLayersIso } from '../../src/sample/sign.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runGpgGenerateKey } from '../../src/tools/gpg.ts';
import { extractFromIso } from '../../src/tools/xorriso.ts';
import type { VerifyReport } from '../../src/verify/verify.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TIMEOUT = 900_000;
const [BASE, TOP, INSTALLER] = SAMPLE_LAYERS.map((layer) => `/casper/${layer.name}.squashfs`) as [
  string,
  string,
  string,
];
let dir: string;
let home: string;
let key: string;
let signed: string;

const recipe = (input: string, output: string, sign = '') => `input: ${input}
output: ${output}
${sign}layers:
  ${SAMPLE_LAYERS[1]?.name}:
    steps:
      - copy: { src: files/motd, dest: /etc/motd, mode: "0644" }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-signed-'));
  home = join(dir, 'gnupg');
  await mkdir(home, { mode: 0o700 });
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files/motd'), 'signed layers test\n');
  key = await runGpgGenerateKey(
    { name: 'Sample CD Signing', email: 'cd@example.com', expiry: '1d' },
    { home },
  );
  signed = join(dir, 'signed.iso');
  await makeSignedLayersIso({
    input: await ensureSampleIso(),
    output: signed,
    layers: [BASE, TOP, INSTALLER],
    workDir: dir,
    gnupgHome: home,
    key,
  });
}, TIMEOUT);
afterAll(async () => {
  await runCommand(['gpgconf', '--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('a sample whose layers carry .gpg signatures', () => {
  it('has a signature beside every layer, good for the key that made it', async () => {
    const report = await inspectIso(signed);
    const signedLayers = report.layers.filter((layer) => layer.signature).map((layer) => layer.path);
    expect(signedLayers.sort()).toEqual([BASE, TOP, INSTALLER].sort());
    const run = await runIsoforge(['verify', signed, '--gnupg-home', home]);
    expect(run.exitCode).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(new RegExp(`ok +signature ${INSTALLER}\\.gpg +good signature by ${key}`));
  });

  it(
    'a build without the key in its keyring passes; unchanged layers are "not checked", the changed one loses its stale .gpg',
    async () => {
      const output = join(dir, 'out/unknown-key.iso');
      const file = join(dir, 'unknown-key.yaml');
      await writeFile(file, recipe(signed, output));
      const run = await runIsoforge(['build', file, '--workdir', join(dir, 'work'), '--json']);
      expect(run.stderr).not.toMatch(/error/);
      expect(run.exitCode).toBe(ExitCode.ok);
      const { verify } = JSON.parse(run.stdout) as { verify: VerifyReport };
      const signatures = verify.checks.filter((check) => check.name.startsWith('signature '));
      expect(signatures).toEqual([
        {
          name: `signature ${BASE}.gpg`,
          outcome: 'not checked',
          detail: `key not in keyring: ${key}`,
        },
        {
          name: `signature ${INSTALLER}.gpg`,
          outcome: 'not checked',
          detail: `key not in keyring: ${key}`,
        },
      ]);
      expect(verify.ok).toBe(true);
      const layers = (await inspectIso(output)).layers;
      expect(layers.find((layer) => layer.path === TOP)?.signature).toBeFalsy();
      const again = await runIsoforge(['verify', output, '--original', signed]);
      expect(again.exitCode).toBe(ExitCode.ok);
      expect(again.stdout).toMatch(new RegExp(`not checked +signature ${BASE}\\.gpg +key not in keyring`));
    },
    TIMEOUT,
  );

  it(
    'a BADSIG on an unchanged layer fails the build with exit 9 and keeps the ISO as .unverified.iso',
    async () => {
      // The base layer's signature replaced by the installer layer's: a real BADSIG for a known key.
      const swapped = join(dir, 'swapped.iso');
      const [signature, md5] = [join(dir, 'installer.gpg'), join(dir, 'md5sum.txt')];
      await extractFromIso(signed, [
        { isoPath: `${INSTALLER}.gpg`, localPath: signature },
        { isoPath: '/md5sum.txt', localPath: md5 },
      ]);
      const hash = createHash('md5')
        .update(await readFile(signature))
        .digest('hex');
      await writeFile(
        md5,
        updateChecksums(await readFile(md5, 'utf8'), new Map([[`${BASE}.gpg`, hash]]), []),
      );
      await writeIso({
        input: signed,
        output: swapped,
        bootSetup: 'replay',
        changes: {
          replace: [
            { isoPath: `${BASE}.gpg`, localPath: signature },
            { isoPath: '/md5sum.txt', localPath: md5 },
          ],
          remove: [],
        },
      });
      const output = join(dir, 'out/badsig.iso');
      const file = join(dir, 'badsig.yaml');
      await writeFile(file, recipe(swapped, output, `sign: { key: ${key}, gnupgHome: gnupg }\n`));
      const run = await runIsoforge(['build', file, '--workdir', join(dir, 'work')]);
      const kept = join(dir, 'out/badsig.unverified.iso');
      expect(run.exitCode).toBe(ExitCode.verifyFailed);
      expect(run.stderr).toContain(`signature ${BASE}.gpg (BADSIG by key ${key.slice(-16)})`);
      expect(run.stderr).toContain(
        `the unverified ISO is kept as ${kept}; check it again with: isoforge verify ${kept} --original ${swapped}`,
      );
      await expect(access(output)).rejects.toThrow(/ENOENT/);
      const again = await runIsoforge(['verify', kept, '--original', swapped, '--gnupg-home', home]);
      expect(again.exitCode).toBe(ExitCode.verifyFailed);
      expect(again.stdout).toMatch(new RegExp(`FAIL +signature ${BASE}\\.gpg +BADSIG`));
      // The changed layer was re-signed by the recipe's key and checks good.
      expect(again.stdout).toMatch(new RegExp(`ok +signature ${TOP}\\.gpg +good signature by ${key}`));
    },
    TIMEOUT,
  );
});
