import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBootTest } from '../../src/boottest/index.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { installPackedIsoforge } from '../../scripts/pack-install.ts';
import { runIsoforge } from '../support/cli.ts';
import { makeTestDeb } from '../support/deb.ts';
import { OEM_LAYER, oemRecipe } from '../support/oem-recipe.ts';
import { suiteLiveBuildIsos } from '../support/fixtures.ts';
import { ROOTLESS_USER, ensureRootlessUser, rootlessProcesses } from '../support/rootless-user.ts';
import { readFromLayer } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';

// A layer build by an ordinary user with a subordinate id range (rootless mode), against the same
// recipe built by root: the layers must be equal as unsquashfs and getfattr see them. Also the
// refusal for a user without a range (exit 4, one line). SIGKILLs: test/reliability/rootless.test.ts.
const USER = ROOTLESS_USER;
const TOP = OEM_LAYER;
const LAYER = `/casper/${TOP}.squashfs`;
const EPOCH = '1700000000';
const TIMEOUT = 900_000;
// The first live-build fixture, waited for at collection (the global set-up builds it beside other tests).
const [fixture] = await suiteLiveBuildIsos();
if (!fixture) throw new Error('no live-build fixture in this run');
const live = fixture.iso;
let dir: string;
let bin: string;
let restoreFuse: () => Promise<void>;
let inputSha: string;

// The generic kernel's layer of the live installer, four layers up: its kernel is held.
const KERNEL_LAYER = `${OEM_LAYER}.installer.generic`;

/** The root tests' recipe, a system user with a folder of its own, and the kernel layer's kernel held. */
function recipeHoldingKernel(kernelPackage: string): string {
  const oem = oemRecipe('out/oem.iso', {
    extraRun: [
      'useradd --system --no-create-home isoforge-svc',
      'install -d -o isoforge-svc -m 0750 /var/lib/isoforge-svc',
    ],
  });
  return `${oem}  ${KERNEL_LAYER}:\n    steps:\n      - apt: { hold: [${kernelPackage}] }\n`;
}

function asUser(
  user: string,
  args: readonly string[],
  onLine?: (line: string) => void,
  onSpawn?: (pid: number) => void,
) {
  return runCommand(['runuser', '-u', user, '--', bin, ...args], {
    okExitCodes: [1, 2, 3, 4, 5],
    cwd: dir,
    env: { NO_COLOR: '1', HOME: join(dir, 'home'), TMPDIR: join(dir, 'tmp'), SOURCE_DATE_EPOCH: EPOCH },
    onLine,
    onSpawn,
  });
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** The layer of ISO as unsquashfs and getfattr see it: listing, every file's sha256, every xattr. */
async function describeLayer(iso: string, name: string, layer = LAYER) {
  const image = join(dir, `${name}.squashfs`);
  const tree = join(dir, `${name}-tree`);
  await runCommand(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', layer, image]);
  const { stdout: listing } = await runCommand(['unsquashfs', '-lln', image], { env: { TZ: 'UTC' } });
  await runCommand(['unsquashfs', '-q', '-n', '-d', tree, image]);
  const { stdout: sums } = await runCommand(
    ['sh', '-c', 'find . -type f -print0 | sort -z | xargs -0 sha256sum'],
    {
      cwd: tree,
    },
  );
  const { stdout: xattrs } = await runCommand(['getfattr', '-R', '-P', '-h', '-d', '-m', '-', '.'], {
    cwd: tree,
  });
  // dpkg stamps its log with the wall clock (it ignores SOURCE_DATE_EPOCH): the entries must match.
  const log = await readFile(join(tree, 'var/log/dpkg.log'), 'utf8').catch(() => '');
  const dpkgLog = log.replace(/^\S+ \S+ /gm, '');
  const content = sums.split('\n').filter((line) => !line.endsWith('./var/log/dpkg.log'));
  return { listing: listing.split('\n').slice(1), sums: content, xattrs, dpkgLog };
}

beforeAll(async () => {
  dir = await mkdtemp('/tmp/isoforge-rootless-');
  await chmod(dir, 0o777);
  for (const sub of ['tmp', 'home', 'debs', 'files']) await mkdir(join(dir, sub), { mode: 0o777 });
  await runCommand(['chmod', '0777', join(dir, 'tmp'), join(dir, 'home')]);
  restoreFuse = (await ensureRootlessUser()).restore;
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await chmod(join(dir, 'sample.iso'), 0o444);
  inputSha = await sha256(join(dir, 'sample.iso'));
  await makeTestDeb(join(dir, 'debs'), 'isoforge-nic-driver', '1.0', {
    path: 'usr/share/isoforge-nic-driver/firmware.bin',
    content: 'firmware\n',
  });
  await writeFile(join(dir, 'files/50-oem.conf'), 'net.core.somaxconn = 4096\n');
  const status = await readFromLayer(join(dir, 'sample.iso'), KERNEL_LAYER, 'var/lib/dpkg/status');
  const kernel = /^Package: (linux-image-\S+)$/m.exec(status)?.[1];
  if (!kernel) throw new Error(`no linux-image package in ${KERNEL_LAYER}'s dpkg status`);
  await writeFile(join(dir, 'oem.yaml'), recipeHoldingKernel(kernel));
  await runCommand(['chmod', '-R', 'a+rX', dir]);
  bin = (await installPackedIsoforge(dir)).bin;
}, TIMEOUT);

afterAll(async () => {
  await restoreFuse();
  await rm(dir, { recursive: true, force: true });
});

describe('a layer build by an ordinary user (rootless mode)', () => {
  it(
    'gives the layers root builds: same listing with owners and modes, same files, same xattrs; it verifies and boots',
    async () => {
      const rootless = await asUser(USER, ['build', 'oem.yaml', '--workdir', join(dir, 'work-user')]);
      expect(rootless.exitCode, rootless.stderr).toBe(0);
      const root = await runIsoforge(
        ['build', 'oem.yaml', '--workdir', join(dir, 'work-root'), '--out', join(dir, 'root.iso')],
        { cwd: dir, env: { SOURCE_DATE_EPOCH: EPOCH } },
      );
      expect(root.exitCode, root.stderr).toBe(0);
      const [byUser, byRoot] = [
        await describeLayer(join(dir, 'out/oem.iso'), 'user'),
        await describeLayer(join(dir, 'root.iso'), 'root'),
      ];
      expect(byUser.listing).toEqual(byRoot.listing);
      expect(byUser.listing.join('\n')).toMatch(
        /^-rw-r----- 1234\/4321 .* squashfs-root\/etc\/sysctl\.d\/50-oem\.conf$/m,
      );
      expect(byUser.listing.join('\n')).toMatch(
        /^drwxr-x--- \d+\/\d+ .* squashfs-root\/var\/lib\/isoforge-svc$/m,
      );
      expect(byUser.sums).toEqual(byRoot.sums);
      expect(byUser.dpkgLog).toBe(byRoot.dpkgLog);
      expect(byUser.xattrs).toBe(byRoot.xattrs);
      expect(byUser.xattrs).toMatch(/trusted\.overlay\./);
      const kernelLayer = `/casper/${KERNEL_LAYER}.squashfs`;
      const [kernelByUser, kernelByRoot] = [
        await describeLayer(join(dir, 'out/oem.iso'), 'user-kernel', kernelLayer),
        await describeLayer(join(dir, 'root.iso'), 'root-kernel', kernelLayer),
      ];
      expect(kernelByUser).toEqual(kernelByRoot);
      const { stdout: holds } = await runCommand([
        'dpkg-query',
        '--admindir',
        join(dir, 'user-kernel-tree/var/lib/dpkg'),
        '-W',
        '-f',
        '${db:Status-Want} ${Package}\n',
        'linux-image-*',
      ]);
      expect(holds).toMatch(/^hold linux-image-\S+$/m);
      const verify = await runIsoforge([
        'verify',
        join(dir, 'out/oem.iso'),
        '--original',
        join(dir, 'sample.iso'),
      ]);
      expect(verify.exitCode, verify.stdout).toBe(0);
      expect(await sha256(join(dir, 'sample.iso'))).toBe(inputSha);
      expect(await rootlessProcesses()).toEqual([]);
      const boot = await runBootTest({
        iso: join(dir, 'out/oem.iso'),
        firmware: 'bios',
        media: 'cdrom',
        logDir: join(dir, 'boot'),
      });
      expect(boot.matched, boot.tail.join('\n')).toMatch(/ISOFORGE-SAMPLE-BOOT ok release=isoforge-built /);
    },
    TIMEOUT,
  );

  it(
    "builds live-build's Debian layer by block reuse as root does",
    async () => {
      await copyFile(live, join(dir, 'live.iso'));
      await chmod(join(dir, 'live.iso'), 0o444);
      const recipe = `input: live.iso\noutput: out/live.iso\nlayers:\n  filesystem:\n    steps:\n      - debs: [debs/isoforge-nic-driver_1.0_all.deb]\n      - run: echo rootless > /etc/isoforge-release\n      - run: touch /usr/bin/ping\n`;
      await writeFile(join(dir, 'live.yaml'), recipe);
      await chmod(join(dir, 'live.yaml'), 0o644);
      const byUser = await asUser(USER, ['build', 'live.yaml', '--workdir', join(dir, 'work-live-user')]);
      expect(byUser.exitCode, byUser.stderr).toBe(0);
      expect(byUser.stdout + byUser.stderr).toMatch(/block reuse: blocks of \d+ unchanged files copied/);
      const byRoot = await runIsoforge(
        ['build', 'live.yaml', '--workdir', join(dir, 'work-live-root'), '--out', join(dir, 'live-root.iso')],
        { cwd: dir, env: { SOURCE_DATE_EPOCH: EPOCH } },
      );
      expect(byRoot.exitCode, byRoot.stderr).toBe(0);
      const layer = '/live/filesystem.squashfs';
      const user = await describeLayer(join(dir, 'out/live.iso'), 'live-user', layer);
      const root = await describeLayer(join(dir, 'live-root.iso'), 'live-root', layer);
      expect(user.listing).toEqual(root.listing);
      expect(user.sums).toEqual(root.sums);
      expect(user.dpkgLog).toBe(root.dpkgLog);
      expect(user.xattrs).toBe(root.xattrs);
      // ping, copied up by the touch, keeps its file capability through squashfuse and the namespace.
      expect(user.xattrs).toMatch(/# file: usr\/bin\/ping\nsecurity\.capability=/);
      expect(user.listing.join('\n')).toMatch(/^-rwxr-xr-x 0\/0 .* squashfs-root\/usr\/bin\/ping$/m);
      const { stdout: status } = await runCommand([
        'dpkg-query',
        '--admindir',
        join(dir, 'live-user-tree/var/lib/dpkg'),
        '-W',
        'isoforge-nic-driver',
      ]);
      expect(status.trim()).toBe('isoforge-nic-driver\t1.0');
      const verify = await runIsoforge(['verify', join(dir, 'out/live.iso'), '--original', live]);
      expect(verify.exitCode, verify.stdout).toBe(0);
      expect(await rootlessProcesses()).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "sees a lower layer's opaque folder as the boot does: what it hides stays hidden from the steps",
    async () => {
      // Root makes the input: a folder of the layer below removed and made again in the top layer,
      // which block reuse keeps as an opaque folder (trusted.overlay.opaque).
      const opaque = (name: string, output: string, run: string) =>
        `input: ${name}\noutput: ${output}\nlayers:\n  ${TOP}:\n    steps:\n      - run: ${run}\n`;
      await writeFile(
        join(dir, 'opaque-in.yaml'),
        opaque(
          'sample.iso',
          'opaque-in.iso',
          'rm -rf /usr/share/doc/apt && mkdir /usr/share/doc/apt && echo mine > /usr/share/doc/apt/only',
        ),
      );
      const made = await runIsoforge(['build', 'opaque-in.yaml', '--workdir', join(dir, 'work-opaque-in')], {
        cwd: dir,
      });
      expect(made.exitCode, made.stderr).toBe(0);
      const { stdout: marks } = await runCommand(
        [
          'sh',
          '-c',
          `xorriso -osirrox on -indev opaque-in.iso -extract ${LAYER} opaque-in.squashfs && unsquashfs -q -n -d opaque-in-tree opaque-in.squashfs usr/share/doc/apt && getfattr -n trusted.overlay.opaque --only-values opaque-in-tree/usr/share/doc/apt`,
        ],
        { cwd: dir },
      );
      expect(marks).toBe('y');
      await chmod(join(dir, 'opaque-in.iso'), 0o444);
      const list = 'ls -A /usr/share/doc/apt > /etc/apt-doc-listing';
      await writeFile(join(dir, 'opaque.yaml'), opaque('opaque-in.iso', 'out/opaque.iso', list));
      await chmod(join(dir, 'opaque.yaml'), 0o644);
      const byUser = await asUser(USER, ['build', 'opaque.yaml', '--workdir', join(dir, 'work-opaque')]);
      expect(byUser.exitCode, byUser.stderr).toBe(0);
      const { stdout: listing } = await runCommand(
        [
          'sh',
          '-c',
          `xorriso -osirrox on -indev out/opaque.iso -extract ${LAYER} opaque.squashfs && unsquashfs -q -cat opaque.squashfs etc/apt-doc-listing`,
        ],
        { cwd: dir },
      );
      expect(listing).toBe('only\n');
    },
    TIMEOUT,
  );

  it('refuses a user without a subordinate id range: one line, exit 4, nothing written', async () => {
    const run = await asUser('nobody', [
      'build',
      'oem.yaml',
      '--workdir',
      join(dir, 'work-nobody'),
      '--out',
      join(dir, 'nobody.iso'),
    ]);
    expect(run.exitCode).toBe(4);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^isoforge: error: a layer build by an ordinary user needs rootless mode, and this machine lacks: subuid range \(none for nobody/,
      ),
    ]);
    await expect(stat(join(dir, 'work-nobody'))).rejects.toThrow();
    await expect(stat(join(dir, 'nobody.iso'))).rejects.toThrow();
  });

  it('doctor, run by each user, says whether rootless mode is ready for them and what is missing', async () => {
    type Need = { name: string; ok: boolean; fix: string };
    const needsOf = async (user: string) => {
      const run = await asUser(user, ['doctor', '--json']);
      return (JSON.parse(run.stdout) as { rootless: Need[] }).rootless;
    };
    const nobody = await needsOf('nobody');
    expect(nobody.filter((need) => !need.ok).map((need) => need.name)).toEqual([
      'subuid range',
      'subgid range',
    ]);
    expect(nobody[0]?.fix).toBe('as root: usermod --add-subuids 100000-165535 nobody');
    expect((await needsOf(USER)).every((need) => need.ok)).toBe(true);
  });
});
