import { access, copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_KEY_IMAGE_PATH } from '../../src/medium/pool/index.ts';
import { mountChainRoot } from '../../src/medium/pool/chain.ts';
import { MountStack } from '../../src/rootfs/mounts.ts';
import { SandboxSession } from '../../src/rootfs/session.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { makeTestDeb } from '../support/deb.ts';
import { readFromLayer } from '../support/layer.ts';
import { installSourceChain, useOnlyTheMedium, writeMediumDir } from '../support/pool.ts';
import { ensureSampleIso } from '../support/sample.ts';

// iso.pool through `isoforge build`: the pool on the new medium, signed with the recipe's key, and
// that key trusted by the new layers themselves (the test copies no key): apt in a chroot of the
// output's install source, with only the medium as source, installs from it with signatures checked.
const TIMEOUT = 1_200_000;
let dir: string;
let output: string;

const recipe = (sign: string) => `input: sample.iso
output: pool.iso
iso:
  pool:
    debs: [debs/isoforge-pool-driver_1.0_all.deb]
    packages: [jq]
${sign}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-pool-build-'));
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await mkdir(join(dir, 'gnupg'), { mode: 0o700 });
  await mkdir(join(dir, 'debs'));
  await makeTestDeb(join(dir, 'debs'), 'isoforge-pool-driver', '1.0', {
    path: '/usr/share/isoforge-pool-driver/marker',
    content: 'from the pool\n',
  });
  output = join(dir, 'pool.iso');
}, TIMEOUT);

afterAll(async () => {
  await runCommand(['gpgconf', '--homedir', join(dir, 'gnupg'), '--kill', 'gpg-agent']).catch(
    () => undefined,
  );
});

describe('iso.pool in a build', () => {
  it('refuses a signing key the keyring lacks before any work: one line, exit 2, no output', async () => {
    const file = join(dir, 'no-key.yaml');
    await writeFile(
      file,
      recipe(`sign:\n  key: 0123456789ABCDEF0123456789ABCDEF01234567\n  gnupgHome: gnupg\n`),
    );
    const run = await runIsoforge(['build', file, '--workdir', join(dir, 'work-no-key')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(
      /^isoforge: error: no-key\.yaml:\d+:\d+ sign\.key: the pool's signing key 0123456789ABCDEF0123456789ABCDEF01234567 has no secret key/m,
    );
    expect(
      await access(output).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
    expect(await readdir(join(dir, 'work-no-key')).catch(() => [])).toEqual([]);
  });

  it(
    'builds the pool, trusts its key in the shared base layer, and apt installs from the medium alone',
    async () => {
      const file = join(dir, 'pool.yaml');
      await writeFile(
        file,
        recipe(
          `sign:\n  generate: { name: isoforge pool test, email: pool@isoforge.invalid, expiry: 1d }\n  gnupgHome: gnupg\n`,
        ),
      );
      const run = await runIsoforge(['build', file, '--workdir', join(dir, 'work')], { timeoutMs: TIMEOUT });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(await readFromLayer(output, 'ubuntu-server-minimal', POOL_KEY_IMAGE_PATH)).toContain(
        '-----BEGIN PGP PUBLIC KEY BLOCK-----',
      );
      const medium = join(dir, 'medium');
      await writeMediumDir(output, medium, []);
      const work = join(dir, 'chroot');
      await mkdir(work, { recursive: true });
      await using mounts = await MountStack.open(work);
      const root = await mountChainRoot(mounts, await installSourceChain(output), join(work, 'chain'));
      await useOnlyTheMedium(root);
      await mkdir(join(root, 'cdrom'), { recursive: true });
      await mounts.mount({ source: medium, target: join(root, 'cdrom'), bind: true, readOnly: true });
      await using session = await SandboxSession.open(root, work);
      await session.run(['apt-get', 'update']);
      await session.run(['apt-get', 'install', '--yes', 'jq', 'isoforge-pool-driver']);
      expect(await session.run(['jq', '-n', '{"pool": "ok"} | .pool'])).toBe('"ok"\n');
      expect(await session.run(['cat', '/usr/share/isoforge-pool-driver/marker'])).toBe('from the pool\n');
    },
    TIMEOUT,
  );
});
