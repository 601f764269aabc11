import { FormatError, VerifyError } from '../errors.ts';
import { runCommand } from './exec.ts';

/**
 * gnupg adapter for the detached armored signatures casper layers carry (`NAME.squashfs.gpg`). A
 * passphrase reaches gpg only on file descriptor 3 (--passphrase-fd 3 with loopback pinentry):
 * never in argv, the environment, or a log.
 */
export interface GpgContext {
  /** GNUPGHOME; default: gpg's own (~/.gnupg). */
  home?: string;
  passphrase?: string;
  signal?: AbortSignal;
  /**
   * Reproducible builds: gpg's clock frozen at these seconds since 1970 (SOURCE_DATE_EPOCH), so a
   * signature carries that time, not the wall clock's. --ignore-time-conflict lets a key made after
   * it still sign and verify.
   */
  fakedTime?: number;
}

/** Argv prefix and extra fds shared by every gpg call: batch mode, loopback pinentry when a passphrase is given. */
export function makeGpgBase(context: GpgContext): { argv: string[]; extraFds: string[] } {
  const argv = ['gpg', ...(context.home ? ['--homedir', context.home] : []), '--batch', '--no-tty', '--yes'];
  if (context.fakedTime !== undefined)
    argv.push('--faked-system-time', `${context.fakedTime}!`, '--ignore-time-conflict');
  if (context.passphrase === undefined) return { argv, extraFds: [] };
  return {
    argv: [...argv, '--pinentry-mode', 'loopback', '--passphrase-fd', '3'],
    extraFds: [`${context.passphrase.replace(/\r?\n$/, '')}\n`],
  };
}

/** The guide's `gpg --armor --detach-sign -o FILE.gpg FILE`, with the key named by fingerprint. */
export async function runGpgDetachSign(
  file: string,
  signature: string,
  key: string,
  context: GpgContext = {},
): Promise<void> {
  const { argv, extraFds } = makeGpgBase(context);
  await runCommand([...argv, '--local-user', key, '--armor', '--detach-sign', '--output', signature, file], {
    extraFds,
    signal: context.signal,
  });
}

/**
 * What gpg made of one detached signature. `unknown-key` is not a verdict on the bytes: the key
 * that signed is not in the keyring (a distribution's CD signing key, typically).
 */
export type GpgVerdict =
  'good' | 'bad' | 'unknown-key' | 'expired-key' | 'revoked-key' | 'expired-signature' | 'error';

export interface GpgVerification {
  verdict: GpgVerdict;
  /** True only for a good signature by a key that is neither revoked nor missing. */
  valid: boolean;
  /** Long key id (16 hex digits) of the signing key, when gpg names it. */
  keyId?: string;
  /** Fingerprint of the signing key: from VALIDSIG, or from ERRSIG when gpg (>= 2.2.7) prints it. */
  fingerprint?: string;
  detail: string;
}

/** ERRSIG's return code for "no public key" (gnupg doc/DETAILS, ERRSIG rc; GPG_ERR_NO_PUBKEY). */
const ERRSIG_NO_PUBKEY = '9';

type StatusLines = Map<string, string[][]>;

/** `[GNUPG:] KEYWORD args...` lines grouped by keyword, each with its arguments split on spaces. */
function readStatusLines(status: string): StatusLines {
  const lines: StatusLines = new Map();
  for (const line of status.split('\n')) {
    const match = /^\[GNUPG:\] (\S+) ?(.*)$/.exec(line.trimEnd());
    if (!match?.[1]) continue;
    const list = lines.get(match[1]) ?? [];
    list.push((match[2] ?? '').split(' '));
    lines.set(match[1], list);
  }
  return lines;
}

/**
 * Reads gpg's --status-fd output (gnupg doc/DETAILS) for one detached signature. Every status line
 * counts, not the first: an unknown key prints `ERRSIG <keyid> ... 9 <fpr>` and then `NO_PUBKEY`.
 * Worst wins: BADSIG, then REVKEYSIG, then any other ERRSIG, then a missing key, then expiry.
 */
export function parseGpgVerifyStatus(status: string, exitCode: number): GpgVerification {
  const lines = readStatusLines(status);
  const first = (keyword: string) => lines.get(keyword)?.[0];
  const bad = first('BADSIG');
  if (bad) return { verdict: 'bad', valid: false, keyId: bad[0], detail: `BADSIG by key ${bad[0]}` };
  const revoked = first('REVKEYSIG');
  if (revoked)
    return {
      verdict: 'revoked-key',
      valid: false,
      keyId: revoked[0],
      detail: `REVKEYSIG: key ${revoked[0]} is revoked`,
    };
  const errors = lines.get('ERRSIG') ?? [];
  const other = errors.find((args) => args[5] !== ERRSIG_NO_PUBKEY);
  if (other) return { verdict: 'error', valid: false, keyId: other[0], detail: `ERRSIG ${other.join(' ')}` };
  const missing = errors[0] ?? first('NO_PUBKEY');
  if (missing) {
    const fingerprint = errors[0]?.[6] && errors[0][6] !== '-' ? errors[0][6] : undefined;
    return {
      verdict: 'unknown-key',
      valid: false,
      keyId: missing[0],
      fingerprint,
      detail: `key ${fingerprint ?? missing[0]} not in keyring`,
    };
  }
  const fingerprint = first('VALIDSIG')?.[0];
  const expiredKey = first('EXPKEYSIG');
  if (expiredKey && fingerprint)
    return {
      verdict: 'expired-key',
      valid: true,
      keyId: expiredKey[0],
      fingerprint,
      detail: `good signature by expired key ${fingerprint}`,
    };
  if (first('EXPSIG') && fingerprint)
    return {
      verdict: 'expired-signature',
      valid: true,
      fingerprint,
      detail: `good but expired signature by ${fingerprint}`,
    };
  const good = first('GOODSIG');
  if (good && fingerprint && exitCode === 0)
    return {
      verdict: 'good',
      valid: true,
      keyId: good[0],
      fingerprint,
      detail: `good signature by ${fingerprint}`,
    };
  return { verdict: 'error', valid: false, detail: `gpg --verify exited with ${exitCode} and no verdict` };
}

/** Checks a detached signature: a result, not an exception, so verification can report it. */
export async function runGpgVerify(
  signature: string,
  file: string,
  context: GpgContext = {},
): Promise<GpgVerification> {
  const home = context.home ? ['--homedir', context.home] : [];
  const result = await runCommand(
    ['gpg', ...home, '--batch', '--status-fd', '1', '--verify', signature, file],
    {
      signal: context.signal,
      okExitCodes: [1, 2],
    },
  );
  return parseGpgVerifyStatus(result.stdout, result.exitCode);
}

/** Throws when SIGNATURE does not verify FILE. */
export async function checkGpgSignature(
  signature: string,
  file: string,
  context: GpgContext = {},
): Promise<string> {
  const result = await runGpgVerify(signature, file, context);
  if (!result.valid) throw new VerifyError(`signature ${signature} does not verify: ${result.detail}`);
  return result.fingerprint ?? '';
}

/** Generates a signing key as the guide does (name, email, expiry; ed25519) and returns its fingerprint. */
export async function runGpgGenerateKey(
  identity: { name: string; email: string; expiry: string },
  context: GpgContext = {},
): Promise<string> {
  const { argv, extraFds } = makeGpgBase({ ...context, passphrase: context.passphrase ?? '' });
  const userId = `${identity.name} <${identity.email}>`;
  const { stdout } = await runCommand(
    [...argv, '--status-fd', '1', '--quick-gen-key', userId, 'ed25519', 'sign', identity.expiry],
    { extraFds, signal: context.signal },
  );
  const created = /^\[GNUPG:\] KEY_CREATED \w+ ([0-9A-F]{40})/m.exec(stdout)?.[1];
  if (created) return created;
  const listed = await runCommand(
    [...makeGpgBase({ home: context.home }).argv, '--with-colons', '--list-secret-keys', userId],
    {
      signal: context.signal,
    },
  );
  const fingerprint = listed.stdout
    .split('\n')
    .filter((line) => line.startsWith('fpr:'))
    .map((line) => line.split(':')[9] ?? '')
    .at(-1);
  if (!fingerprint) throw new FormatError(`gpg lists no secret key for ${userId} after creating it`);
  return fingerprint;
}

/** `gpg --clearsign`: an apt archive's InRelease (the Release text with its signature inline). */
export async function runGpgClearSign(
  file: string,
  output: string,
  key: string,
  context: GpgContext = {},
): Promise<void> {
  const { argv, extraFds } = makeGpgBase(context);
  await runCommand([...argv, '--local-user', key, '--clearsign', '--output', output, file], {
    extraFds,
    signal: context.signal,
  });
}

/** The public half of KEY, ASCII-armored and minimal (no third-party signatures): what apt's trusted.gpg.d/*.asc takes. */
export async function runGpgExportPublicKey(key: string, context: GpgContext = {}): Promise<string> {
  const { argv } = makeGpgBase({ home: context.home });
  const { stdout } = await runCommand(
    [...argv, '--armor', '--export-options', 'export-minimal', '--export', key],
    {
      signal: context.signal,
    },
  );
  if (!stdout.includes('BEGIN PGP PUBLIC KEY BLOCK'))
    throw new FormatError(`gpg exported no public key for ${key}`);
  return stdout;
}

/** A secret key as `gpg --list-secret-keys --with-colons` describes it. */
export interface GpgSecretKey {
  fingerprint: string;
  /** gpg's validity letter of the primary key (doc/DETAILS field 2): e = expired, r = revoked. */
  validity: string;
}

/** The secret key KEY (fingerprint or id) in the keyring, or null when the keyring has none. */
export async function runGpgFindSecretKey(
  key: string,
  context: GpgContext = {},
): Promise<GpgSecretKey | null> {
  const { argv } = makeGpgBase({ home: context.home });
  // gpg exits 2 when it finds no such key: an answer, not a failure.
  const { stdout, exitCode } = await runCommand([...argv, '--with-colons', '--list-secret-keys', key], {
    signal: context.signal,
    okExitCodes: [2],
  });
  if (exitCode !== 0) return null;
  return parseGpgSecretKey(stdout);
}

/** The first `sec` record of --with-colons output with the fingerprint (`fpr`) that follows it. */
export function parseGpgSecretKey(colons: string): GpgSecretKey | null {
  const lines = colons.split('\n').map((line) => line.split(':'));
  const sec = lines.findIndex((fields) => fields[0] === 'sec');
  if (sec < 0) return null;
  const fpr = lines.slice(sec + 1).find((fields) => fields[0] === 'fpr');
  if (!fpr?.[9]) return null;
  return { fingerprint: fpr[9], validity: lines[sec]?.[1] ?? '' };
}
