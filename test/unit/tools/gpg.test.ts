import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/tools/exec.ts';
import {
  checkGpgSignature,
  parseGpgVerifyStatus,
  runGpgDetachSign,
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

  it('reads status lines', () => {
    expect(parseGpgVerifyStatus('[GNUPG:] BADSIG ABC name\n', 1)).toMatchObject({ valid: false });
    expect(parseGpgVerifyStatus('[GNUPG:] VALIDSIG ABCD 2026\n', 0)).toMatchObject({ valid: true });
    expect(parseGpgVerifyStatus('[GNUPG:] NO_PUBKEY 1234\n', 2).detail).toMatch(/1234/);
  });
});
