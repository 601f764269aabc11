import { runCommand } from '../../src/tools/exec.ts';

/** A signing key made in 2020 with a one-day expiry (expired ever since), in HOME; its fingerprint. */
export async function makeExpiredKey(home: string, email: string): Promise<string> {
  const { stdout } = await runCommand([
    'gpg',
    '--homedir',
    home,
    '--batch',
    '--passphrase',
    '',
    '--faked-system-time',
    '20200101T000000',
    '--status-fd',
    '1',
    '--quick-gen-key',
    `Expired <${email}>`,
    'ed25519',
    'sign',
    '1d',
  ]);
  return /KEY_CREATED \w+ ([0-9A-F]{40})/.exec(stdout)?.[1] ?? '';
}
