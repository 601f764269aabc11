import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/tools/exec.ts';
import {
  checkGpgSignature,
  parseGpgSecretKey,
  parseGpgVerifyStatus,
  runGpgClearSign,
  runGpgDetachSign,
  runGpgExportPublicKey,
  runGpgFindSecretKey,
  runGpgGenerateKey,
  runGpgVerify,
} from '../../../src/tools/gpg.ts';

let dir: string;
let home: string;
const passphrase = 'correct horse battery staple';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-gpg-'));
  home = join(dir, 'gnupg');
  await runCommand(['mkdir', '-m', '700', home]);
});
afterAll(async () => {
  await runCommand(['gpgconf', '--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('gpg adapter (throwaway GNUPGHOME)', () => {
  it('generates a key, signs with the passphrase over fd 3, and verifies; a changed file fails', async () => {
    const fingerprint = await runGpgGenerateKey(
      { name: 'Isoforge Test', email: 'test@example.com', expiry: '1d' },
      { home, passphrase },
    );
    expect(fingerprint).toMatch(/^[0-9A-F]{40}$/);
    const file = join(dir, 'layer.squashfs');
    await writeFile(file, 'layer bytes');
    await runGpgDetachSign(file, `${file}.gpg`, fingerprint, { home, passphrase });
    expect(await readFile(`${file}.gpg`, 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    const good = await runGpgVerify(`${file}.gpg`, file, { home });
    expect(good).toMatchObject({ valid: true, fingerprint });
    expect(await checkGpgSignature(`${file}.gpg`, file, { home })).toBe(fingerprint);
    await writeFile(file, 'tampered');
    expect((await runGpgVerify(`${file}.gpg`, file, { home })).valid).toBe(false);
    await expect(checkGpgSignature(`${file}.gpg`, file, { home })).rejects.toThrow(/BADSIG/);
  });

  it('refuses to sign with a wrong passphrase', async () => {
    const fingerprint = await runGpgGenerateKey(
      { name: 'Second', email: 'second@example.com', expiry: '1d' },
      { home, passphrase },
    );
    const file = join(dir, 'other');
    await writeFile(file, 'x');
    // The agent caches the passphrase it saw at generation: a fresh agent has to ask for it.
    await runCommand(['gpgconf', '--homedir', home, '--kill', 'gpg-agent']);
    await expect(
      runGpgDetachSign(file, `${file}.gpg`, fingerprint, { home, passphrase: 'wrong' }),
    ).rejects.toThrow(/gpg/);
  });
});

describe('gpg adapter for an apt archive (throwaway GNUPGHOME)', () => {
  it('clearsigns (InRelease) with the passphrase over fd 3, exports the armored public key, finds the secret key', async () => {
    const fingerprint = await runGpgGenerateKey(
      { name: 'Pool', email: 'pool@example.com', expiry: '1d' },
      { home, passphrase },
    );
    const release = join(dir, 'Release');
    await writeFile(release, 'Origin: isoforge\nSuite: jammy\n');
    await runGpgClearSign(release, join(dir, 'InRelease'), fingerprint, { home, passphrase });
    const inRelease = await readFile(join(dir, 'InRelease'), 'utf8');
    expect(inRelease).toMatch(
      /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA\d+\n\nOrigin: isoforge\nSuite: jammy\n/,
    );
    const { stdout } = await runCommand(
      ['gpg', '--homedir', home, '--batch', '--status-fd', '1', '--verify', join(dir, 'InRelease')],
      { okExitCodes: [1, 2] },
    );
    expect(stdout).toContain(`[GNUPG:] VALIDSIG ${fingerprint}`);
    expect(await runGpgExportPublicKey(fingerprint, { home })).toMatch(
      /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/,
    );
    expect(await runGpgFindSecretKey(fingerprint, { home })).toEqual({ fingerprint, validity: 'u' });
    expect(await runGpgFindSecretKey('0123456789ABCDEF0123456789ABCDEF01234567', { home })).toBeNull();
  });

  it('reports a key that expired', async () => {
    // Made in 2020 with a one-day expiry: expired ever since.
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
      'Expired <expired@example.com>',
      'ed25519',
      'sign',
      '1d',
    ]);
    const fingerprint = /KEY_CREATED \w+ ([0-9A-F]{40})/.exec(stdout)?.[1] ?? '';
    expect(await runGpgFindSecretKey(fingerprint, { home })).toEqual({ fingerprint, validity: 'e' });
  });
});

describe('parseGpgSecretKey', () => {
  it('reads the fingerprint and validity of real --with-colons output (gpg 2.2.40)', () => {
    const colons = [
      'sec:u:255:22:06BB86C846C5A42C:1795965915:1796052315::u:::scSC:::+::ed25519:::0:',
      'fpr:::::::::153C3834BE32ABBF1753E07C06BB86C846C5A42C:',
      'grp:::::::::956DF6424E0380590E4617670576F2ECC177FB0A:',
      'uid:u::::1795965915::760E406D4120AC12EE0371130EB6D3E7822CE3CB::T <t@t.invalid>::::::::::0:',
      '',
    ].join('\n');
    expect(parseGpgSecretKey(colons)).toEqual({
      fingerprint: '153C3834BE32ABBF1753E07C06BB86C846C5A42C',
      validity: 'u',
    });
    expect(parseGpgSecretKey('')).toBeNull();
  });
});

/** gpg's real --status-fd output for SIGNATURE over FILE, as runGpgVerify reads it. */
async function captureStatus(keyring: string, signature: string, file: string) {
  const result = await runCommand(
    ['gpg', '--homedir', keyring, '--batch', '--status-fd', '1', '--verify', signature, file],
    { okExitCodes: [1, 2] },
  );
  return { status: result.stdout, exitCode: result.exitCode };
}

describe('parseGpgVerifyStatus on status output of real gpg runs', () => {
  let fingerprint: string;
  let file: string;
  beforeAll(async () => {
    fingerprint = await runGpgGenerateKey(
      { name: 'Status', email: 'status@example.com', expiry: '1d' },
      { home },
    );
    file = join(dir, 'status-layer');
    await writeFile(file, 'layer bytes');
    await runGpgDetachSign(file, `${file}.gpg`, fingerprint, { home });
  });

  it('good: GOODSIG and VALIDSIG with the fingerprint', async () => {
    const { status, exitCode } = await captureStatus(home, `${file}.gpg`, file);
    expect(status).toMatch(/^\[GNUPG:\] VALIDSIG /m);
    expect(parseGpgVerifyStatus(status, exitCode)).toMatchObject({
      verdict: 'good',
      valid: true,
      fingerprint,
    });
  });

  it('bad: a tampered file gives BADSIG, exit 1', async () => {
    const tampered = join(dir, 'status-tampered');
    await writeFile(tampered, 'layer bytes, changed');
    const { status, exitCode } = await captureStatus(home, `${file}.gpg`, tampered);
    expect(exitCode).toBe(1);
    expect(parseGpgVerifyStatus(status, exitCode)).toMatchObject({
      verdict: 'bad',
      valid: false,
      keyId: fingerprint.slice(-16),
      detail: `BADSIG by key ${fingerprint.slice(-16)}`,
    });
  });

  it('unknown key: ERRSIG with rc 9 before NO_PUBKEY is a missing key, not a bad signature', async () => {
    const empty = join(dir, 'empty-keyring');
    await mkdir(empty, { mode: 0o700 });
    const { status, exitCode } = await captureStatus(empty, `${file}.gpg`, file);
    expect(exitCode).toBe(2);
    // The order the issue describes: ERRSIG ... 9 <fpr> first, then NO_PUBKEY.
    expect(status.indexOf('ERRSIG')).toBeLessThan(status.indexOf('NO_PUBKEY'));
    expect(parseGpgVerifyStatus(status, exitCode)).toEqual({
      verdict: 'unknown-key',
      valid: false,
      keyId: fingerprint.slice(-16),
      fingerprint,
      detail: `key ${fingerprint} not in keyring`,
    });
  });

  it('expired key: EXPKEYSIG with VALIDSIG (key made and used at a faked time in 2020)', async () => {
    const old = join(dir, 'expired-keyring');
    await mkdir(old, { mode: 0o700 });
    const at = (time: string) => ['gpg', '--homedir', old, '--batch', '--faked-system-time', time];
    await runCommand([
      ...at('20200101T000000'),
      '--passphrase',
      '',
      '--quick-gen-key',
      'Old <old@example.com>',
      'ed25519',
      'sign',
      '1d',
    ]);
    const signature = join(dir, 'status-old.gpg');
    await runCommand([...at('20200101T010000'), '--armor', '--detach-sign', '--output', signature, file]);
    const { status, exitCode } = await captureStatus(old, signature, file);
    expect(status).toMatch(/^\[GNUPG:\] EXPKEYSIG /m);
    expect(parseGpgVerifyStatus(status, exitCode)).toMatchObject({ verdict: 'expired-key', valid: true });
    await runCommand(['gpgconf', '--homedir', old, '--kill', 'gpg-agent']);
  });

  it('revoked key: REVKEYSIG after the revocation certificate gpg made is imported', async () => {
    const revoked = join(dir, 'revoked-keyring');
    await mkdir(revoked, { mode: 0o700 });
    const fpr = await runGpgGenerateKey(
      { name: 'Revoked', email: 'rev@example.com', expiry: '1d' },
      { home: revoked },
    );
    const signature = join(dir, 'status-revoked.gpg');
    await runGpgDetachSign(file, signature, fpr, { home: revoked });
    const certificate = await readFile(join(revoked, 'openpgp-revocs.d', `${fpr}.rev`), 'utf8');
    const armoured = join(dir, 'revoke.asc');
    // gpg writes the certificate with a leading ':' on the armour line so it is not imported by accident.
    await writeFile(armoured, certificate.replace(/^:-----BEGIN/m, '-----BEGIN'));
    await runCommand(['gpg', '--homedir', revoked, '--batch', '--import', armoured]);
    const { status, exitCode } = await captureStatus(revoked, signature, file);
    expect(parseGpgVerifyStatus(status, exitCode)).toMatchObject({ verdict: 'revoked-key', valid: false });
    await runCommand(['gpgconf', '--homedir', revoked, '--kill', 'gpg-agent']);
  });

  it('no status lines at all (not a signature) is an error, not a verdict on the key', () => {
    expect(parseGpgVerifyStatus('', 2)).toMatchObject({ verdict: 'error', valid: false });
  });
});
