import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RecipeError } from '../errors.ts';
import { resolveRecipePath } from '../safety/confine.ts';
import { checkGpgSignature, type GpgContext, runGpgDetachSign, runGpgGenerateKey } from '../tools/gpg.ts';
import type { SignRecipe } from './schema.ts';

export interface Signer {
  fingerprint: string;
  /** The keyring and passphrase, for other signatures made with the same key (the pool's Release). */
  gpg: GpgContext;
  /** Signs FILE into SIGNATURE and checks the signature verifies. */
  sign(file: string, signature: string): Promise<void>;
}

/** The recipe's `sign:` made ready: passphrase read from its file, key generated when asked. */
export async function makeSigner(
  sign: SignRecipe,
  recipeDir: string,
  say: (line: string) => void,
  signal?: AbortSignal,
  sourceDateEpoch?: number,
): Promise<Signer> {
  const passphrase = sign.passphraseFile
    ? (await readFile(await resolveRecipePath(recipeDir, sign.passphraseFile), 'utf8')).replace(/\r?\n$/, '')
    : undefined;
  const home = sign.gnupgHome ? resolve(recipeDir, sign.gnupgHome) : undefined;
  if (home) await mkdir(home, { recursive: true, mode: 0o700 });
  const context: GpgContext = { home, passphrase, signal };
  let fingerprint = sign.key;
  if (!fingerprint && sign.generate) {
    fingerprint = await runGpgGenerateKey(sign.generate, context);
    say(`generated signing key ${fingerprint} for ${sign.generate.name} <${sign.generate.email}>`);
  }
  if (!fingerprint)
    throw new RecipeError('sign: needs key (a fingerprint) or generate', { hint: 'see examples/' });
  const key = fingerprint;
  const signing: GpgContext = { ...context, fakedTime: sourceDateEpoch };
  return {
    fingerprint: key,
    gpg: signing,
    async sign(file, signature) {
      await runGpgDetachSign(file, signature, key, signing);
      await checkGpgSignature(signature, file, signing);
    },
  };
}
