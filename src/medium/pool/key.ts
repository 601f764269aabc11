import { RecipeError } from '../../errors.ts';
import { type GpgContext, runGpgFindSecretKey } from '../../tools/gpg.ts';

/** Where the pool's public key goes in a layer: apt reads armored keys from trusted.gpg.d since apt 1.4. */
export const POOL_KEY_IMAGE_PATH = '/etc/apt/trusted.gpg.d/isoforge-pool.asc';

/** The recipe's sign: section as far as the pool's key check needs it. */
export interface PoolSignSettings {
  key?: string;
  generate?: unknown;
}

/**
 * Fails before any work when the pool's signing key is not usable: the fingerprint of sign.key must
 * have a secret key in GNUPGHOME (gpg's default keyring when undefined) that is neither expired nor
 * revoked. A key the build generates (sign.generate) needs no check.
 */
export async function checkPoolKey(
  sign: PoolSignSettings,
  gnupgHome?: string,
  options: { signal?: AbortSignal; at?: string } = {},
): Promise<void> {
  if (!sign.key) return;
  const context: GpgContext = { home: gnupgHome, signal: options.signal };
  // Where sign.key is ("recipe.yaml:12:8 sign.key:", the recipe loader's locate), as every recipe error starts.
  const where = options.at ?? 'sign.key:';
  const keyring = gnupgHome ? `the keyring ${gnupgHome}` : 'the default keyring (~/.gnupg)';
  const found = await runGpgFindSecretKey(sign.key, context);
  if (!found) {
    const homedir = gnupgHome ? `--homedir ${gnupgHome} ` : '';
    throw new RecipeError(`${where} the pool's signing key ${sign.key} has no secret key in ${keyring}`, {
      hint: `import it (gpg ${homedir}--import SECRET-KEY.asc), or let the build make one with sign: { generate: { name, email } }`,
    });
  }
  if (found.validity === 'e' || found.validity === 'r') {
    const state = found.validity === 'e' ? 'expired' : 'revoked';
    throw new RecipeError(`${where} the pool's signing key ${found.fingerprint} in ${keyring} is ${state}`, {
      hint: 'extend it (gpg --quick-set-expire FINGERPRINT 1y) or use another key or sign: { generate: ... }',
    });
  }
}
