import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError, ExitCode, RecipeError } from '../../src/errors.ts';
import { IsoImage } from '../../src/iso/image.ts';
import { mountChainRoot } from '../../src/medium/pool/chain.ts';
import {
  checkPoolDebs,
  checkPoolKey,
  downloadPoolPackages,
  makePoolArchive,
  type PoolArchive,
  type PoolDownload,
  POOL_KEY_IMAGE_PATH,
  readPoolSystem,
} from '../../src/medium/pool/index.ts';
import { MountStack } from '../../src/rootfs/mounts.ts';
import type { LayerExtent } from '../../src/rootfs/overlay.ts';
import { SandboxSession } from '../../src/rootfs/session.ts';
import { mountsBelow } from '../../src/safety/mountinfo.ts';
import { removeTree } from '../../src/safety/remove.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { runGpgGenerateKey } from '../../src/tools/gpg.ts';
import { makeTestDeb } from '../support/deb.ts';
import { installSourceChain, useOnlyTheMedium, writeMediumDir } from '../support/pool.ts';
import { makeExpiredKey } from '../support/gpg.ts';
import { ensureSampleIso } from '../support/sample.ts';

const TIMEOUT = 900_000;
/** Small, not in the sample's install source, and with dependencies of its own (libjq1, libonig5). */
const APT_PACKAGE = 'jq';
const LOCAL_PACKAGE = 'isoforge-pool-test';

let dir: string;
let iso: string;
let home: string;
let fingerprint: string;
let chain: LayerExtent[];
let download: PoolDownload;
let archive: PoolArchive;
let medium: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-pool-'));
  iso = await ensureSampleIso();
  home = join(dir, 'gnupg');
  await mkdir(home, { mode: 0o700 });
  fingerprint = await runGpgGenerateKey(
    { name: 'isoforge pool test', email: 'pool@isoforge.invalid', expiry: '1d' },
    { home },
  );
  chain = await installSourceChain(iso);
  const localDeb = await makeTestDeb(dir, LOCAL_PACKAGE, '1.0', {
    path: '/usr/share/isoforge-pool-test/marker',
    content: 'from the pool\n',
  });
  download = await downloadPoolPackages({ chain, names: [APT_PACKAGE], workDir: join(dir, 'download') });
  await using image = await IsoImage.open(iso);
  archive = await makePoolArchive({
    debs: [...download.debs, localDeb],
    image,
    system: download,
    key: { fingerprint, gpg: { home } },
    workDir: join(dir, 'archive'),
  });
  medium = join(dir, 'medium');
  await writeMediumDir(iso, medium, archive.files);
}, TIMEOUT);

afterAll(async () => {
  await runCommand(['gpgconf', '--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
  if (dir) await removeTree(dir, { within: tmpdir() });
});

describe('the offline pool', () => {
  it('downloads the named package and the dependencies the install source lacks', () => {
    const names = download.debs.map((deb) => basename(deb).split('_')[0]);
    expect(names).toContain(APT_PACKAGE);
    expect(names).toContain('libjq1');
    expect(names).toContain('libonig5');
    expect(download).toMatchObject({ codename: 'bookworm', architecture: 'amd64' });
  });

  it("adds to the medium's own archive: its suite, its Packages entries kept, Release hashes and signatures", async () => {
    expect(archive.suite).toBe('jammy');
    const packages = await readFile(join(medium, 'dists/jammy/main/binary-amd64/Packages'), 'utf8');
    expect(packages).toMatch(/^Package: netbase$/m);
    expect(packages).toMatch(/^Filename: pool\/main\/n\/netbase\/netbase_6\.4_all\.deb$/m);
    expect(packages).toMatch(/^Filename: pool\/main\/j\/jq\/jq_[^/]+_amd64\.deb$/m);
    expect(packages).toMatch(/^Filename: pool\/main\/libo\/libonig\/libonig5_[^/]+_amd64\.deb$/m);
    expect(packages).toMatch(
      /^Filename: pool\/main\/i\/isoforge-pool-test\/isoforge-pool-test_1\.0_all\.deb$/m,
    );
    const release = await readFile(join(medium, 'dists/jammy/Release'), 'utf8');
    expect(release).toMatch(/^Origin: Ubuntu$/m);
    expect(release).toMatch(/^Codename: jammy$/m);
    expect(release).toMatch(/^Components: main$/m);
    expect(release).toMatch(/^ [0-9a-f]{64} +\d+ main\/binary-amd64\/Packages\.gz$/m);
    const inRelease = await readFile(join(medium, 'dists/jammy/InRelease'), 'utf8');
    expect(inRelease).toContain('-----BEGIN PGP SIGNED MESSAGE-----');
    expect(await readFile(archive.publicKey, 'utf8')).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
  });

  it(
    "installs from the medium alone in a chroot of the install source, with apt's signature checks on",
    async () => {
      const work = join(dir, 'chroot');
      await mkdir(work, { recursive: true });
      await using mounts = await MountStack.open(work);
      const root = await mountChainRoot(mounts, chain, join(work, 'chain'));
      await useOnlyTheMedium(root);
      await mkdir(join(root, 'cdrom'), { recursive: true });
      await mounts.mount({ source: medium, target: join(root, 'cdrom'), bind: true, readOnly: true });
      await using session = await SandboxSession.open(root, work);
      const unsigned = await session.run(['apt-get', 'update']).catch((error: unknown) => error);
      expect(unsigned).toBeInstanceOf(CommandFailedError);
      expect((unsigned as CommandFailedError).exitStatus).toBe(100);
      expect((unsigned as CommandFailedError).stderrTail).toContain(`NO_PUBKEY ${fingerprint.slice(-16)}`);
      await cp(archive.publicKey, join(root, POOL_KEY_IMAGE_PATH));
      await session.run(['apt-get', 'update']);
      await session.run(['apt-get', 'install', '--yes', APT_PACKAGE, LOCAL_PACKAGE]);
      expect(await session.run(['jq', '-n', '{"pool": "ok"} | .pool'])).toBe('"ok"\n');
      expect(await readFile(join(root, 'usr/share/isoforge-pool-test/marker'), 'utf8')).toBe(
        'from the pool\n',
      );
    },
    TIMEOUT,
  );
});

describe('downloading for the pool', () => {
  it(
    'names a package the install source cannot find, with the fix, and leaves no mount',
    async () => {
      const workDir = join(dir, 'unknown');
      const error = await downloadPoolPackages({
        chain,
        names: [APT_PACKAGE, 'isoforge-no-such-package'],
        workDir,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RecipeError);
      expect((error as RecipeError).message).toBe(
        "iso.pool.packages: package 'isoforge-no-such-package' is not in the install source's apt sources",
      );
      expect(await mountsBelow(workDir)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'undoes every mount and ends the sandbox when aborted inside it',
    async () => {
      const workDir = join(dir, 'aborted');
      const controller = new AbortController();
      const reason = new Error('aborted by the test');
      const pending = downloadPoolPackages({
        chain,
        names: [APT_PACKAGE],
        workDir,
        signal: controller.signal,
      });
      let settled = false;
      pending.then(
        () => (settled = true),
        () => (settled = true),
      );
      // apt-get runs in a bubblewrap sandbox on the chain's root: its bwrap process names that root.
      const sandboxes = async () =>
        (await runCommand(['pgrep', '-f', `^bwrap .*--bind ${workDir}/chain/root /`], { okExitCodes: [1] }))
          .stdout;
      while (!settled && !(await sandboxes())) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(await mountsBelow(workDir)).toEqual([]);
      expect(await sandboxes()).toBe('');
    },
    TIMEOUT,
  );
});

describe('the install source system', () => {
  it('is read from the mounted chain for a pool of local .debs only, and every mount undone', async () => {
    const workDir = join(dir, 'system');
    expect(await readPoolSystem({ chain, workDir })).toEqual({ codename: 'bookworm', architecture: 'amd64' });
    expect(await mountsBelow(workDir)).toEqual([]);
  });
});

describe('the recipe .deb check', () => {
  it('names a file that is not a .deb, and the reason', async () => {
    const notDeb = join(dir, 'not-a.deb');
    await writeFile(notDeb, 'plain text\n');
    await expect(checkPoolDebs([notDeb])).rejects.toThrow(
      `${notDeb} is not a readable .deb: '${notDeb}' is not a Debian format archive`,
    );
  });
});

describe('the pool key check', () => {
  it('accepts a key the keyring holds, and a key the build generates', async () => {
    await expect(checkPoolKey({ key: fingerprint }, home)).resolves.toBeUndefined();
    await expect(
      checkPoolKey({ generate: { name: 'x' } }, join(dir, 'no-such-home')),
    ).resolves.toBeUndefined();
  });

  it('refuses a fingerprint the keyring lacks, naming it and the fix', async () => {
    const missing = '0123456789ABCDEF0123456789ABCDEF01234567';
    const error = await checkPoolKey({ key: missing }, home).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RecipeError);
    expect((error as RecipeError).exitCode).toBe(ExitCode.badInput);
    expect(ExitCode.badInput).toBe(2);
    expect((error as RecipeError).message).toBe(
      `sign.key: the pool's signing key ${missing} has no secret key in the keyring ${home}`,
    );
    expect((error as RecipeError).hint).toContain(`gpg --homedir ${home} --import`);
    const positioned = await checkPoolKey({ key: missing }, home, { at: 'recipe.yaml:12:8 sign.key:' }).catch(
      (caught: unknown) => caught,
    );
    expect((positioned as RecipeError).message).toMatch(
      /^recipe\.yaml:12:8 sign\.key: the pool's signing key /,
    );
  });

  it('refuses a key that expired', async () => {
    const expired = await makeExpiredKey(home, 'expired@isoforge.invalid');
    await expect(checkPoolKey({ key: expired }, home)).rejects.toThrow(
      `sign.key: the pool's signing key ${expired} in the keyring ${home} is expired`,
    );
  });
});
