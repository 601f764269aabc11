import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/tools/exec.ts';

// The sample initrd's own /init, run by the same busybox the initrd carries, on a medium folder.
const INIT = fileURLToPath(new URL('../../../src/sample/assets/init.sh', import.meta.url));
const UUID = '0b8e4f1e-6a43-4c57-9d2e-3f0a51c7b8d2';
const USER_DATA = '#cloud-config\nautoinstall:\n  version: 1\n  identity: {hostname: sample}\n';
const SEED_ARGS = 'autoinstall ds=nocloud;s=/cdrom/nocloud/';

let dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** A medium with a NoCloud seed at /nocloud/ listed in md5sum.txt, and .disk/casper-uuid-generic. */
async function makeMedium(
  files: { userData?: string; metaData?: string | null; listedUserData?: string } = {},
) {
  const medium = await mkdtemp(join(tmpdir(), 'isoforge-init-'));
  dirs.push(medium);
  const userData = files.userData ?? USER_DATA;
  const metaData = files.metaData === undefined ? 'instance-id: sample\n' : files.metaData;
  await mkdir(join(medium, 'nocloud'));
  await mkdir(join(medium, '.disk'));
  await writeFile(join(medium, 'nocloud/user-data'), userData);
  if (metaData !== null) await writeFile(join(medium, 'nocloud/meta-data'), metaData);
  await writeFile(join(medium, '.disk/casper-uuid-generic'), `${UUID}\n`);
  const lines = [
    `${md5('x')}  ./.disk/info`,
    `${md5(files.listedUserData ?? userData)}  ./nocloud/user-data`,
    `${md5(metaData ?? '')}  ./nocloud/meta-data`,
  ];
  await writeFile(join(medium, 'md5sum.txt'), `${lines.join('\n')}\n`);
  return medium;
}

/** The marker fields check_seed and check_uuid give for MEDIUM, CMDLINE and the initrd's UUID. */
async function runChecks(medium: string, cmdline: string, expectedUuid = UUID): Promise<string> {
  const script = `ISOFORGE_INIT_FUNCTIONS_ONLY=1 . "$1"; medium=$2; cmdline=$3; expected_uuid=$4
echo "seed=$(check_seed) uuid=$(check_uuid)"`;
  const { stdout } = await runCommand([
    'busybox',
    'sh',
    '-c',
    script,
    'sh',
    INIT,
    medium,
    cmdline,
    expectedUuid,
  ]);
  return stdout.trim();
}

const cmdline = (args: string) => `BOOT_IMAGE=/casper/vmlinuz console=ttyS0,115200 ${args} ---`;

describe('the sample init checks the medium as casper and subiquity would', () => {
  it('seed=ok for ds=nocloud;s=/cdrom/nocloud/ and its spellings, uuid=ok when .disk/casper-uuid-* holds conf/uuid.conf', async () => {
    const medium = await makeMedium();
    expect(await runChecks(medium, cmdline(SEED_ARGS))).toBe('seed=ok uuid=ok');
    expect(await runChecks(medium, cmdline('ds=nocloud-net;s=file:///cdrom/nocloud/'))).toBe(
      'seed=ok uuid=ok',
    );
    expect(await runChecks(medium, cmdline('ds=nocloud;seedfrom=/cdrom/nocloud'))).toBe('seed=ok uuid=ok');
  });

  it('seed=none without ds=, uuid=none when the initrd expects no UUID (casper then takes any medium)', async () => {
    const medium = await makeMedium();
    expect(await runChecks(medium, cmdline(''), '')).toBe('seed=none uuid=none');
  });

  it('uuid=mismatch when no .disk/casper-uuid-* holds the initrd UUID', async () => {
    const medium = await makeMedium();
    const other = 'f01d0b93-4f0e-4e95-93ae-e3d0e114d4f7';
    expect(await runChecks(medium, cmdline(SEED_ARGS), other)).toBe('seed=ok uuid=mismatch');
  });

  it('seed=bad when user-data differs from its md5sum.txt line or has no autoinstall: key', async () => {
    const changed = await makeMedium({ listedUserData: `${USER_DATA}# edited after md5sum.txt\n` });
    expect(await runChecks(changed, cmdline(SEED_ARGS))).toBe('seed=bad uuid=ok');
    const plain = await makeMedium({ userData: '#cloud-config\nhostname: sample\n' });
    expect(await runChecks(plain, cmdline(SEED_ARGS))).toBe('seed=bad uuid=ok');
  });

  it('seed=bad when the kernel still sees the GRUB escape (ds=nocloud\\;s=...), or the seed is not on the medium', async () => {
    const medium = await makeMedium();
    expect(await runChecks(medium, cmdline('ds=nocloud\\;s=/cdrom/nocloud/'))).toBe('seed=bad uuid=ok');
    expect(await runChecks(medium, cmdline('ds=nocloud;s=http://10.0.2.2/seed/'))).toBe('seed=bad uuid=ok');
  });

  it('seed=missing when meta-data or the seed folder is absent', async () => {
    const medium = await makeMedium({ metaData: null });
    expect(await runChecks(medium, cmdline(SEED_ARGS))).toBe('seed=missing uuid=ok');
    expect(await runChecks(medium, cmdline('ds=nocloud;s=/cdrom/elsewhere/'))).toBe('seed=missing uuid=ok');
  });
});
