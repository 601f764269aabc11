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
}

/** Argv prefix and extra fds shared by every gpg call: batch mode, loopback pinentry when a passphrase is given. */
export function makeGpgBase(context: GpgContext): { argv: string[]; extraFds: string[] } {
  const argv = ['gpg', ...(context.home ? ['--homedir', context.home] : []), '--batch', '--no-tty', '--yes'];
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

export interface GpgVerification {
  valid: boolean;
  /** Fingerprint of the key that made a valid signature. */
  fingerprint?: string;
  detail: string;
}

/** Reads gpg's --status-fd lines (doc/DETAILS in gnupg): VALIDSIG with the fingerprint means good. */
export function parseGpgVerifyStatus(status: string, exitCode: number): GpgVerification {
  const valid = /^\[GNUPG:\] VALIDSIG (\S+)/m.exec(status);
  if (valid && exitCode === 0)
    return { valid: true, fingerprint: valid[1], detail: `good signature by ${valid[1]}` };
  const reason = /^\[GNUPG:\] (BADSIG|ERRSIG|NO_PUBKEY|EXPKEYSIG|REVKEYSIG|EXPSIG)\b(.*)$/m.exec(status);
  return {
    valid: false,
    detail: reason ? `${reason[1]}${reason[2] ?? ''}`.trim() : `gpg --verify exited with ${exitCode}`,
  };
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
